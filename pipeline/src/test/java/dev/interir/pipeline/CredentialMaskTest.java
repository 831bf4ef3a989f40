package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CredentialMaskTest {
    /** What the mask means, as a regular expression: the reference for short inputs (it is quadratic on long ones). */
    private static final Pattern REFERENCE = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s\"]*@");

    @ParameterizedTest
    @ValueSource(strings = {"rtsp://admin:hunter2@cam/x", "rtsp://cam/x", "error -111: Could not open input \"rtsp://a:b@cam:554/x\".",
            "two: rtsp://a:b@c/x and rtsps://d:e@f/y", "rtsp://a@b@c/x", "x1+.-://u:p@h", "1://u:p@h", "+://u@h", "://u@h",
            "rtsp://user name@h", "rtsp://u\"@h", "rtsp://@h", "a://b://c@d", "file:/x@y", "no url at all", "",
            "rtsp://a:b@c/x@y", "abc://u@ ://v@w", "RTSP://U:P@H/X", "é://u@h", "rtsp://ü:ß@h"})
    void masksLikeTheRegularExpression(String text) {
        assertEquals(REFERENCE.matcher(text).replaceAll("$1***@"), CredentialMask.mask(text), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rtsp://", "a", "a://", "a://a", "a://a@", ":", "://"})
    void isLinearOnLongRepetitiveInput(String unit) {
        String text = "rtsp://" + unit.repeat(1 << 20 / unit.length());
        String masked = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> CredentialMask.mask(text));
        if (text.length() < 20_000) {
            assertEquals(REFERENCE.matcher(text).replaceAll("$1***@"), masked);
        }
    }
}
