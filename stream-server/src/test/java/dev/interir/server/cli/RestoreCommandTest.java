package dev.interir.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RestoreCommandTest {

    @Test
    void bitratesTakeSuffixesAndStayInRange() {
        assertEquals(4_000_000, RestoreCommand.parseBits("4M"));
        assertEquals(300_000, RestoreCommand.parseBits(" 300k "));
        assertEquals(2_500_000, RestoreCommand.parseBits("2.5m"));
        for (String bad : new String[]{"fast", "1k", "2000M", ""}) {
            assertThrows(IllegalArgumentException.class, () -> RestoreCommand.parseBits(bad), bad);
        }
    }

    @Test
    void etaClockShowsHoursOnlyWhenThereAreAny() {
        assertEquals("0:59", RestoreCommand.ProgressBar.clock(59.4));
        assertEquals("1:01:05", RestoreCommand.ProgressBar.clock(3665));
    }
}
