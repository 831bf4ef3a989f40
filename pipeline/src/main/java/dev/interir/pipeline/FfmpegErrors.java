package dev.interir.pipeline;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns FFmpeg/JavaCV exceptions into messages fit for the API, the viewer and the CLI. */
public final class FfmpegErrors {
    private static final Pattern CODE = Pattern.compile("error (-?[0-9]+)");

    private FfmpegErrors() {
    }

    /** FFmpeg's error text with JavaCV's hints removed and the errno spelled out, for the API and the viewer. */
    public static String describe(Exception e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        m = m.replace("(Has setFormat() been called?)", "")
                .replace("(For more details, make sure FFmpegLogCallback.set() has been called.)", "")
                .replaceAll("\\s+", " ").trim();
        Matcher code = CODE.matcher(m);
        if (code.find()) {
            String meaning = switch (Integer.parseInt(code.group(1))) {
                case -111 -> "connection refused";
                case -110 -> "timed out";
                case -113 -> "no route to host";
                case -101 -> "network unreachable";
                case -2 -> "no such file or stream";
                case -5 -> "I/O error";
                case -13 -> "permission denied";
                case -1094995529 -> "invalid data (not a video FFmpeg can read, or truncated)";
                case -825242872 -> "unauthorized (401): check the credentials";
                case -875574520 -> "not found (404): check the path";
                case -858797304 -> "forbidden (403)";
                default -> null;
            };
            if (meaning != null) {
                m = meaning + ": " + m;
            }
        }
        return CredentialMask.mask(m);
    }
}
