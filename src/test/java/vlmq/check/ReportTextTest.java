package vlmq.check;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Renders reports for assertion messages and text-output tests. */
final class ReportTextTest {
  private ReportTextTest() {}

  static String render(CheckReport r) {
    var out = new StringWriter();
    ReportText.print(r, new PrintWriter(out));
    return out.toString();
  }
}
