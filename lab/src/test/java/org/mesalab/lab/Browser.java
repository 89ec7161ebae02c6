package org.mesalab.lab;

import java.io.File;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium through its chromedriver, for the browser tests. Required (never skipped)
 * when MESALAB_REQUIRE_BROWSER=1, as in .ci/run, which installs both; elsewhere a missing browser skips.
 */
final class Browser {
    private Browser() {
    }

    /** A fresh browser with its own profile folder and a window of {@code size} ("W,H"); the browser's console log is kept. */
    static ChromeDriver open(Path profile, String size) {
        boolean required = "1".equals(System.getenv("MESALAB_REQUIRE_BROWSER"));
        boolean present = new File("/usr/bin/chromium").canExecute() && new File("/usr/bin/chromedriver").canExecute();
        if (!required) {
            Assumptions.assumeTrue(present, "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=" + size, "--user-data-dir=" + profile);
        org.openqa.selenium.logging.LoggingPreferences logs = new org.openqa.selenium.logging.LoggingPreferences();
        logs.enable(org.openqa.selenium.logging.LogType.BROWSER, java.util.logging.Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).build();
        return new ChromeDriver(service, options);
    }
}
