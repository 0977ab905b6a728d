package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The support console in a real headless Chromium (Debian's chromium and chromium-driver), driven by Selenium: a support
 * agent signs in, finds payments by receipt, phone and order id, reads the timeline, reveals the phone number and asks
 * M-Pesa now. Screenshots go to {@code target/console-screenshots/}. Without Chromium the test is skipped, unless
 * {@code STK_REQUIRE_BROWSER=true} (CI) makes that a failure.
 */
class ConsoleBrowserTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    static TestStack stack;
    static WebDriver browser;
    static WebDriverWait wait;
    static String paid;
    static String lostCallback;

    @BeforeAll
    static void start() throws Exception {
        File chromium = new File(System.getenv().getOrDefault("STK_TEST_CHROMIUM", "/usr/bin/chromium"));
        File driver = new File(System.getenv().getOrDefault("STK_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"));
        if (!chromium.canExecute() || !driver.canExecute()) {
            String why = "the console browser test needs Chromium and ChromeDriver (" + chromium + ", " + driver
                    + "); install Debian's chromium and chromium-driver packages";
            if (Boolean.parseBoolean(System.getenv("STK_REQUIRE_BROWSER"))) {
                fail(why + " (STK_REQUIRE_BROWSER=true)");
            }
            Assumptions.abort("skipped: " + why);
        }
        stack = TestStack.start(Map.of());
        paid = stack.pay(100);
        stack.pay(1032);
        lostCallback = stack.pay(7000);
        stack.outcomes.awaitFinal(paid, BOUND);
        await(BOUND, "the lost-callback attempt accepted", () -> !stack.outcomes.eventsOf(lostCallback).isEmpty());

        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", "--user-data-dir=" + Files.createTempDirectory("stk-console-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, BOUND);
        wait.ignoring(StaleElementReferenceException.class);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void anAgentFindsAPaymentReadsItsHistoryAndAsksMpesaNow() throws Exception {
        signIn(TestStack.OPERATOR_USER, TestStack.CONSOLE_PASSWORD);
        assertEquals("operator", text(By.id("who-role")));

        JsonNode paidOutcome = stack.outcomes.awaitFinal(paid, BOUND);
        String receipt = paidOutcome.path("mpesaReceiptNumber").asText();
        search(receipt);
        List<WebElement> rows = resultRows(1);
        assertTrue(rows.get(0).getText().contains("KES 100"), rows.get(0).getText());
        assertTrue(rows.get(0).getText().contains("2547*****149"), "phone masked in the list");
        rows.get(0).click();

        wait.until(ExpectedConditions.attributeToBe(By.id("attempt-status"), "data-status", "SUCCEEDED"));
        assertEquals("Paid", text(By.id("attempt-status")));
        assertEquals("KES 100", text(By.id("attempt-amount")));
        assertEquals(receipt, text(By.id("attempt-receipt")));
        assertEquals("2547*****149", text(By.id("attempt-phone")));
        List<String> kinds = browser.findElements(By.cssSelector("#timeline .timeline-entry")).stream()
                .map(e -> e.getAttribute("data-kind")).toList();
        assertTrue(kinds.containsAll(List.of("INTENT_RECEIVED", "PUSH_REQUEST", "PUSH_ACCEPTED", "CALLBACK", "OUTCOME_EVENT")), kinds.toString());
        List<String> times = browser.findElements(By.cssSelector("#timeline .when")).stream().map(WebElement::getText).toList();
        assertEquals(kinds.size(), times.size(), "every timeline entry shows its time: " + times);
        assertTrue(times.stream().allMatch(t -> t.endsWith("EAT (+03:00)")), times.toString());
        String details = (String) ((org.openqa.selenium.JavascriptExecutor) browser)
                .executeScript("return [...document.querySelectorAll('#timeline pre')].map(p => p.textContent).join('\\n')");
        assertFalse(details.contains("708374149"), "phone numbers masked in the raw documents too");
        browser.findElement(By.id("reveal-phone")).click();
        wait.until(ExpectedConditions.textToBe(By.id("attempt-phone"), "254708374149"));
        WebElement revealed = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#timeline .timeline-entry[data-kind='PHONE_REVEALED']")));
        assertTrue(revealed.getText().contains("Full phone number shown to " + TestStack.OPERATOR_USER), revealed.getText());
        screenshot("attempt-paid");

        search("0708 374 149");
        assertTrue(resultRows(3).size() >= 3, "by phone, typed as the customer says it");
        screenshot("search-by-phone");

        String lostOrder = stack.outcomes.eventsOf(lostCallback).get(0).path("orderId").asText();
        search(lostOrder);
        resultRows(1).get(0).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("attempt-status"), "data-status", "ACCEPTED"));
        WebElement queryNow = browser.findElement(By.id("query-now"));
        assertTrue(queryNow.isDisplayed());
        // the simulated customer pays a moment after the prompt; until then M-Pesa says "still being processed"
        await(BOUND, "the console to show the payment as paid after asking M-Pesa", () -> {
            WebElement button = browser.findElement(By.id("query-now"));
            if (button.isEnabled()) {
                button.click();
            }
            new WebDriverWait(browser, BOUND).until(d -> d.findElement(By.id("query-now")).isEnabled());
            return "SUCCEEDED".equals(browser.findElement(By.id("attempt-status")).getAttribute("data-status"));
        });
        assertTrue(text(By.id("query-message")).contains("now: Paid"), text(By.id("query-message")));
        assertTrue(text(By.id("attempt-receipt")).startsWith("Not received"), "paid per STK Query, which carries no receipt: "
                + text(By.id("attempt-receipt")));
        assertTrue(browser.findElements(By.cssSelector("#timeline .timeline-entry")).stream()
                .anyMatch(e -> "QUERY".equals(e.getAttribute("data-kind"))));
        screenshot("attempt-after-query");
        assertEquals("QUERY", stack.outcomes.awaitFinal(lostCallback, BOUND).path("source").asText());

        browser.findElement(By.id("tab-dashboard")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#dash-cards .stat")));
        wait.until(d -> !d.findElements(By.cssSelector("#chart svg rect.bar")).isEmpty());
        assertTrue(browser.findElements(By.cssSelector("#dash-reasons tbody tr")).size() >= 2);
        // the query backlog as the API has it: nothing due once the lost callback's attempt was resolved by the query
        wait.until(d -> "0".equals(d.findElement(By.id("dash-backlog")).getAttribute("data-attempts")));
        assertEquals("No payment is due for a status check with M-Pesa.", text(By.id("dash-backlog")));
        screenshot("dashboard");
        signOut();
    }

    @Test
    void aReadOnlyAgentCannotQueryAndAWrongPasswordIsRefused() {
        openConsoleSignedOut();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-user")));
        browser.findElement(By.id("signin-user")).sendKeys(TestStack.READER_USER);
        browser.findElement(By.id("signin-password")).sendKeys("not the password");
        browser.findElement(By.id("signin-submit")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-error")));
        assertEquals("Wrong user name, password or key.", text(By.id("signin-error")));

        signIn(TestStack.READER_USER, TestStack.CONSOLE_PASSWORD);
        assertEquals("read-only", text(By.id("who-role")));
        search(stack.outcomes.eventsOf(lostCallback).get(0).path("orderId").asText());
        resultRows(1).get(0).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("attempt-status")));
        wait.until(d -> !d.findElements(By.cssSelector("#timeline .timeline-entry")).isEmpty());
        assertFalse(browser.findElement(By.id("query-now")).isDisplayed(), "no query button for a read-only agent");
        assertTrue(browser.findElements(By.id("reveal-phone")).isEmpty(), "no reveal button for a read-only agent");
        assertEquals("2547*****149", text(By.id("attempt-phone")));
        signOut();
    }

    /** Each test starts signed out, whatever the previous one left. */
    private static void openConsoleSignedOut() {
        browser.get(stack.app.httpBaseUrl() + "/console/");
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
    }

    private static void signIn(String user, String password) {
        openConsoleSignedOut();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-user")));
        WebElement userField = browser.findElement(By.id("signin-user"));
        userField.clear();
        userField.sendKeys(user);
        browser.findElement(By.id("signin-password")).sendKeys(password);
        browser.findElement(By.id("signin-submit")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("search-input")));
    }

    private static void signOut() {
        browser.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-user")));
    }

    private static void search(String text) {
        browser.findElement(By.id("tab-search")).click();
        WebElement box = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("search-input")));
        box.clear();
        box.sendKeys(text);
        String answersBefore = answers();
        browser.findElement(By.id("search-submit")).click();
        wait.until(d -> !answers().equals(answersBefore));
    }

    private static String answers() {
        String answers = browser.findElement(By.id("results-table")).getAttribute("data-answers");
        return answers == null ? "0" : answers;
    }

    private static List<WebElement> resultRows(int atLeast) {
        return wait.until(d -> {
            List<WebElement> rows = d.findElements(By.cssSelector("#results-table tbody tr.result-row"));
            return rows.size() >= atLeast ? rows : null;
        });
    }

    private static String text(By by) {
        return browser.findElement(by).getText().trim();
    }

    private static void screenshot(String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
