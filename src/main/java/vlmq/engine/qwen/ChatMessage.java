package vlmq.engine.qwen;

import java.util.List;

/**
 * One turn of a conversation as chat templates see it: a role ({@code system}, {@code user} or {@code assistant})
 * and its content, text and images in order (transformers' {@code {"type": "text"|"image"}} items; a plain string is
 * one text part).
 */
public record ChatMessage(String role, List<Part> content) {
  /** A piece of a message's content. */
  public sealed interface Part permits Text, Image {}

  public record Text(String text) implements Part {}

  /** An image's place in the message; the pixels travel separately, one image per Image part, in order. */
  public record Image() implements Part {}

  public ChatMessage {
    if (!List.of("system", "user", "assistant").contains(role)) {
      throw new IllegalArgumentException("chat roles are system, user and assistant, not '" + role + "'");
    }
    content = List.copyOf(content);
  }

  public static ChatMessage system(String text) {
    return new ChatMessage("system", List.of(new Text(text)));
  }

  public static ChatMessage user(List<Part> content) {
    return new ChatMessage("user", content);
  }

  public static ChatMessage assistant(String text) {
    return new ChatMessage("assistant", List.of(new Text(text)));
  }

  public long images() {
    return content.stream().filter(p -> p instanceof Image).count();
  }
}
