package vlmq.engine.qwen;

import java.util.List;
import vlmq.VlmqException;

/**
 * The prompt text the Qwen checkpoints' chat templates render (without tools), written out by hand for the three
 * template generations rather than run through a Jinja engine; each image becomes one
 * {@code <|vision_start|><|image_pad|><|vision_end|>} run that {@link QwenVlModel#prompt} expands.
 * <ul>
 *   <li>Qwen2-VL / Qwen2.5-VL: {@code You are a helpful assistant.} as system prompt unless the conversation starts
 *       with one; every message as {@code <|im_start|>role\n…<|im_end|>\n}, content verbatim.
 *   <li>Qwen3-VL (Instruct): no default system prompt; a system message counts only first and only its text; an
 *       assistant message only its text.
 *   <li>Qwen3.5: no default system prompt; content trimmed (Python's {@code strip}); reasoning ({@code <think>…
 *       </think>}) dropped from assistant turns before the last user message and kept, re-wrapped, after it; the
 *       generation prompt opens a thinking block ({@code <think>\n}), or an empty one when thinking is off.
 * </ul>
 */
public final class QwenChat {
  private static final String VISION = "<|vision_start|><|image_pad|><|vision_end|>";
  private static final String DEFAULT_SYSTEM = "You are a helpful assistant.";

  private QwenChat() {}

  /**
   * The prompt for {@code messages} as the {@code variant}'s chat template renders it with
   * {@code add_generation_prompt} and (Qwen3.5 only) {@code enable_thinking}.
   */
  public static String render(QwenVariant variant, List<ChatMessage> messages, boolean addGenerationPrompt,
      boolean thinking) {
    if (messages.isEmpty()) throw new VlmqException("a chat needs at least one message");
    return switch (variant) {
      case QWEN2_VL, QWEN2_5_VL -> qwen25(messages, addGenerationPrompt);
      case QWEN3_VL -> qwen3vl(messages, addGenerationPrompt);
      case QWEN3_5 -> qwen35(messages, addGenerationPrompt, thinking);
    };
  }

  private static String qwen25(List<ChatMessage> messages, boolean addGenerationPrompt) {
    var out = new StringBuilder();
    if (!messages.getFirst().role().equals("system")) turn(out, "system", DEFAULT_SYSTEM);
    for (ChatMessage m : messages) turn(out, m.role(), content(m, true));
    if (addGenerationPrompt) out.append("<|im_start|>assistant\n");
    return out.toString();
  }

  private static String qwen3vl(List<ChatMessage> messages, boolean addGenerationPrompt) {
    var out = new StringBuilder();
    if (messages.getFirst().role().equals("system")) turn(out, "system", content(messages.getFirst(), false));
    for (ChatMessage m : messages) {
      switch (m.role()) {
        case "user" -> turn(out, "user", content(m, true));
        case "assistant" -> turn(out, "assistant", content(m, false));
        default -> { } // the template renders a system message only in first place, above
      }
    }
    if (addGenerationPrompt) out.append("<|im_start|>assistant\n");
    return out.toString();
  }

  private static String qwen35(List<ChatMessage> messages, boolean addGenerationPrompt, boolean thinking) {
    var out = new StringBuilder();
    int lastQuery = -1;
    for (int i = messages.size() - 1; i >= 0 && lastQuery < 0; i--) {
      if (messages.get(i).role().equals("user")) {
        String content = strip(content(messages.get(i), true));
        if (!(content.startsWith("<tool_response>") && content.endsWith("</tool_response>"))) lastQuery = i;
      }
    }
    if (lastQuery < 0) throw new VlmqException("a Qwen3.5 chat needs a user message");
    for (int i = 0; i < messages.size(); i++) {
      ChatMessage m = messages.get(i);
      if (m.role().equals("system") && m.images() > 0) {
        throw new VlmqException("a Qwen3.5 system message cannot contain images");
      }
      String content = strip(content(m, true));
      switch (m.role()) {
        case "system" -> {
          if (i > 0) throw new VlmqException("a Qwen3.5 system message must come first");
          turn(out, "system", content);
        }
        case "user" -> turn(out, "user", content);
        default -> {
          String reasoning = "";
          int close = content.indexOf("</think>");
          if (close >= 0) {
            String before = stripTrailingNewlines(content.substring(0, close));
            int open = before.lastIndexOf("<think>");
            reasoning = stripLeadingNewlines(open < 0 ? before : before.substring(open + "<think>".length()));
            content = stripLeadingNewlines(content.substring(content.lastIndexOf("</think>") + "</think>".length()));
          }
          out.append("<|im_start|>assistant\n");
          if (i > lastQuery) out.append("<think>\n").append(strip(reasoning)).append("\n</think>\n\n");
          out.append(content).append("<|im_end|>\n");
        }
      }
    }
    if (addGenerationPrompt) {
      out.append("<|im_start|>assistant\n").append(thinking ? "<think>\n" : "<think>\n\n</think>\n\n");
    }
    return out.toString();
  }

  private static void turn(StringBuilder out, String role, String content) {
    out.append("<|im_start|>").append(role).append('\n').append(content).append("<|im_end|>\n");
  }

  /** The message's parts concatenated; images as vision placeholders, or left out when {@code images} is false. */
  private static String content(ChatMessage m, boolean images) {
    var out = new StringBuilder();
    for (ChatMessage.Part part : m.content()) {
      switch (part) {
        case ChatMessage.Text t -> out.append(t.text());
        case ChatMessage.Image i -> out.append(images ? VISION : "");
      }
    }
    return out.toString();
  }

  /** Python's {@code str.strip()} (Jinja's {@code trim}): Unicode whitespace, no-break spaces included. */
  static String strip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && pythonSpace(s.charAt(start))) start++;
    while (end > start && pythonSpace(s.charAt(end - 1))) end--;
    return s.substring(start, end);
  }

  private static boolean pythonSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
  }

  private static String stripLeadingNewlines(String s) {
    int start = 0;
    while (start < s.length() && s.charAt(start) == '\n') start++;
    return s.substring(start);
  }

  private static String stripTrailingNewlines(String s) {
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '\n') end--;
    return s.substring(0, end);
  }
}
