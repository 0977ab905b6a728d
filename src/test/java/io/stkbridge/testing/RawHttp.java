package io.stkbridge.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** HTTP/1.1 over a plain socket, for tests that play a client no HTTP library would be: slow, stalled or greedy. */
public final class RawHttp {

    private RawHttp() {
    }

    /** A connection to a port on loopback; reads give up after 30 seconds. */
    public static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
        socket.setSoTimeout(30_000);
        return socket;
    }

    public static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** The next line, without its line end; empty at the end of the stream. */
    public static String readLine(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII).trim();
    }

    /** Reads what follows a response's status line (sized or chunked), so that the connection can carry the next one. */
    public static void readRestOfResponse(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        int length = 0;
        boolean chunked = false;
        for (String header = readLine(socket); !header.isEmpty(); header = readLine(socket)) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(lower.substring("content-length:".length()).trim());
            }
            chunked |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
        }
        if (!chunked) {
            in.readNBytes(length);
            return;
        }
        for (int size = Integer.parseInt(readLine(socket), 16); size > 0; size = Integer.parseInt(readLine(socket), 16)) {
            in.readNBytes(size);
            readLine(socket);
        }
        readLine(socket);
    }

    public static String readUntilClosed(Socket socket) throws IOException {
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
