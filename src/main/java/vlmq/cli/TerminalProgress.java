package vlmq.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import vlmq.Units;
import vlmq.quantize.ProgressListener;

/**
 * One self-overwriting status line on an interactive terminal (bytes, tensors, rate, ETA), redrawn at most five
 * times a second; {@link #forStderr()} returns {@link ProgressListener#NONE} in CI and pipes so logs stay clean.
 */
final class TerminalProgress implements ProgressListener {
  private static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private final PrintStream out;
  private String what;
  private long total, done, started, lastDraw;
  private int items, itemsDone;

  private TerminalProgress(PrintStream out) {
    this.out = out;
  }

  static ProgressListener forStderr() {
    var console = System.console();
    boolean interactive = console != null && console.isTerminal() && System.getenv("CI") == null;
    return interactive ? new TerminalProgress(System.err) : ProgressListener.NONE;
  }

  @Override
  public synchronized void start(String what, long totalBytes, int totalItems) {
    this.what = what;
    this.total = totalBytes;
    this.items = totalItems;
    this.done = 0;
    this.itemsDone = 0;
    this.started = System.nanoTime();
    this.lastDraw = 0;
  }

  @Override
  public synchronized void advance(long bytes, int itemsDone) {
    done += bytes;
    this.itemsDone = Math.max(this.itemsDone, itemsDone);
    long now = System.nanoTime();
    if (now - lastDraw >= REDRAW_NANOS) {
      lastDraw = now;
      draw(now);
    }
  }

  @Override
  public synchronized void finish() {
    draw(System.nanoTime());
    out.print("\r\033[2K");
    out.flush();
  }

  private void draw(long now) {
    double seconds = (now - started) / 1e9;
    double rate = seconds > 0 ? done / seconds : 0;
    String eta = rate > 0 && done < total ? String.format(Locale.ROOT, "ETA %ds", Math.round((total - done) / rate)) : "";
    out.printf(Locale.ROOT, "\r\033[2K%s %3.0f%%  %s / %s  %d/%d tensors  %s/s  %s", what,
        total == 0 ? 100.0 : 100.0 * done / total, Units.bytes(done), Units.bytes(total), itemsDone, items,
        Units.bytes((long) rate), eta);
    out.flush();
  }
}
