package dev.interir.pipeline;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * The cheap check of whether a failed source can be there again, far cheaper than an FFmpeg open: a TCP connect to
 * a camera's port, or the existence of a V4L2 device node.
 */
final class ReachabilityProbe {
    private static final int CONNECT_TIMEOUT_MS = 500;

    private ReachabilityProbe() {
    }

    /** The check for this source, or null when it has none (a file, an RTSP URL whose host cannot be parsed). */
    static BooleanSupplier forSource(SourceSpec spec) {
        return switch (spec.kind()) {
            case V4L2 -> () -> Files.exists(Path.of(spec.ffmpegUrl()));
            case RTSP -> {
                InetSocketAddress target = rtspAddress(spec.ffmpegUrl());
                yield target == null ? null : () -> answers(target);
            }
            case FILE -> null;
        };
    }

    /** Host and port of an rtsp:// or rtsps:// URL (default ports 554 and 322), unresolved; null if unparsable. */
    static InetSocketAddress rtspAddress(String url) {
        try {
            URI uri = URI.create(url);
            if (uri.getHost() == null) {
                return null;
            }
            int port = uri.getPort() > 0 ? uri.getPort() : "rtsps".equalsIgnoreCase(uri.getScheme()) ? 322 : 554;
            return InetSocketAddress.createUnresolved(uri.getHost(), port);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean answers(InetSocketAddress target) {
        try (Socket s = new Socket()) {
            // resolved on every check: a camera behind a name may come back at another address
            s.connect(new InetSocketAddress(target.getHostString(), target.getPort()), CONNECT_TIMEOUT_MS);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }
}
