package io.stkbridge;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.impl.event.ExchangeSendingEvent;
import org.apache.camel.impl.event.ExchangeSentEvent;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkSlotsTest {

    final CamelContext context = new DefaultCamelContext();
    final ExecutorService threads = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    private void sending(WorkSlots slots, String uri) {
        Endpoint endpoint = context.getEndpoint(uri);
        Exchange exchange = new DefaultExchange(context);
        ExchangeSendingEvent event = new ExchangeSendingEvent(exchange, endpoint);
        if (slots.isEnabled(event)) {
            slots.notify(event);
        }
    }

    private void sent(WorkSlots slots, String uri) {
        Endpoint endpoint = context.getEndpoint(uri);
        ExchangeSentEvent event = new ExchangeSentEvent(new DefaultExchange(context), endpoint, 1);
        if (slots.isEnabled(event)) {
            slots.notify(event);
        }
    }

    @Test
    void noMoreThreadsWorkAtOnceThanThereAreSlots() throws Exception {
        WorkSlots slots = new WorkSlots(2);
        AtomicInteger working = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch twoWorking = new CountDownLatch(2);
        List<Future<Object>> done = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            done.add(threads.submit(() -> slots.work(() -> {
                most.accumulateAndGet(working.incrementAndGet(), Math::max);
                twoWorking.countDown();
                // every record keeps working until two work at once: a third would have to get in now if it could
                assertTrue(twoWorking.await(30, TimeUnit.SECONDS));
                working.decrementAndGet();
                return null;
            })));
        }
        for (Future<Object> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertEquals(2, most.get());
        assertEquals(2, slots.free());
    }

    @Test
    void aThreadWaitingOnTheNetworkLeavesItsSlotToOthersAndTakesItBackAfter() throws Exception {
        WorkSlots slots = new WorkSlots(1);
        CountDownLatch waitingOnDaraja = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        Future<Object> pushing = threads.submit(() -> slots.work(() -> {
            sending(slots, "http://daraja.test/mpesa/stkpush/v1/processrequest");
            waitingOnDaraja.countDown();
            assertTrue(answer.await(30, TimeUnit.SECONDS));
            sent(slots, "http://daraja.test/mpesa/stkpush/v1/processrequest");
            assertEquals(0, slots.free(), "the slot is back with the pushing thread");
            return null;
        }));
        assertTrue(waitingOnDaraja.await(30, TimeUnit.SECONDS));
        // the only slot is free while the push waits: another record can be worked on
        threads.submit(() -> slots.work(() -> "read and recorded")).get(30, TimeUnit.SECONDS);
        answer.countDown();
        pushing.get(30, TimeUnit.SECONDS);
        assertEquals(1, slots.free(), "every slot returned");
    }

    @Test
    void sendsToOtherEndpointsAndThreadsWithoutASlotAreLeftAlone() throws Exception {
        WorkSlots slots = new WorkSlots(1);
        sending(slots, "http://daraja.test/callbacks");          // a thread that never took a slot
        sent(slots, "http://daraja.test/callbacks");
        assertEquals(1, slots.free());
        slots.work(() -> {
            sending(slots, "direct:somewhere");                    // in-process: no waiting on the network
            assertEquals(0, slots.free());
            return null;
        });
        assertEquals(1, slots.free());
    }

    /**
     * A thread waits for something another intake thread must finish, which that thread needs a slot for (a token
     * fetch: the fetching thread gives its slot up for the HTTP call and needs it back after). With the wait inside
     * whileWaiting this completes; holding the slot through the wait would deadlock with one slot.
     */
    @Test
    void waitingForAnotherIntakeThreadNeverHoldsASlotThatThreadNeeds() throws Exception {
        WorkSlots slots = new WorkSlots(1);
        Object tokenLock = new Object();
        CountDownLatch fetcherInHttp = new CountDownLatch(1);
        CountDownLatch httpAnswer = new CountDownLatch(1);
        Future<Object> fetcher = threads.submit(() -> slots.work(() -> slots.whileWaiting(() -> {
            synchronized (tokenLock) {
                sending(slots, "http://daraja.test/oauth/v1/generate");
                fetcherInHttp.countDown();
                assertTrue(httpAnswer.await(30, TimeUnit.SECONDS));
                sent(slots, "http://daraja.test/oauth/v1/generate");
            }
            return "token";
        })));
        assertTrue(fetcherInHttp.await(30, TimeUnit.SECONDS));
        Future<Object> waiter = threads.submit(() -> slots.work(() -> slots.waitFor(() -> {
            synchronized (tokenLock) {
                return "token";
            }
        })));
        httpAnswer.countDown();
        assertEquals("token", fetcher.get(30, TimeUnit.SECONDS));
        assertEquals("token", waiter.get(30, TimeUnit.SECONDS));
        assertEquals(1, slots.free());
    }

    @Test
    void aPauseLeavesTheSlotFree() throws Exception {
        WorkSlots slots = new WorkSlots(1);
        CountDownLatch pausing = new CountDownLatch(1);
        Future<Object> backingOff = threads.submit(() -> slots.work(() -> {
            pausing.countDown();
            slots.pause(TimeUnit.MINUTES.toMillis(5));
            return null;
        }));
        assertTrue(pausing.await(30, TimeUnit.SECONDS));
        // done long before the five-minute pause ends: the pausing thread does not hold the only slot
        assertEquals("worked", threads.submit(() -> slots.work(() -> "worked")).get(30, TimeUnit.SECONDS));
        backingOff.cancel(true);
        awaitFree(slots, 1);
    }

    private static void awaitFree(WorkSlots slots, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (slots.free() != expected) {
            assertTrue(System.nanoTime() < deadline, "slots free: " + slots.free());
            Thread.sleep(5);
        }
    }
}
