package vlmq.engine.qwen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import vlmq.VlmqException;
import vlmq.engine.tokenizer.Tokenizer;

/**
 * QwenChat against transformers' apply_chat_template with the Qwen2.5-VL (bundled demo), Qwen3-VL-Instruct and
 * Qwen3.5 templates, as tools/dump_tokenizer_reference.py rendered them, and the demo tokenizer's ids of each prompt.
 */
class QwenChatTest {
  private static List<ChatMessage> messages(JsonNode json) {
    var out = new ArrayList<ChatMessage>();
    for (JsonNode m : json) {
      JsonNode content = m.get("content");
      var parts = new ArrayList<ChatMessage.Part>();
      if (content.isTextual()) {
        parts.add(new ChatMessage.Text(content.asText()));
      } else {
        for (JsonNode p : content) {
          parts.add(p.get("type").asText().equals("image") ? new ChatMessage.Image()
              : new ChatMessage.Text(p.get("text").asText()));
        }
      }
      out.add(new ChatMessage(m.get("role").asText(), parts));
    }
    return out;
  }

  @Test
  void promptsAreWhatTheCheckpointsTemplatesRender() throws IOException {
    JsonNode cases = new ObjectMapper().readTree(Dump.resource("/engine/tokenizer/chat_prompts.json").toFile());
    int checked = 0;
    try (var tokenizer = Tokenizer.load(Dump.resource("/vlmq/demo/qwen2_5_vl_tiny"))) {
      for (JsonNode c : cases) {
        QwenVariant variant = switch (c.get("family").asText()) {
          case "qwen2_5_vl" -> QwenVariant.QWEN2_5_VL;
          case "qwen3_vl" -> QwenVariant.QWEN3_VL;
          default -> QwenVariant.QWEN3_5;
        };
        String text = QwenChat.render(variant, messages(c.get("messages")), c.get("add_generation_prompt").asBoolean(),
            !c.get("enable_thinking").isBoolean() || c.get("enable_thinking").asBoolean());
        assertThat(text).as("%s %s", variant, c.get("messages")).isEqualTo(c.get("text").asText());
        int[] ids = StreamSupport.stream(c.get("ids").spliterator(), false).mapToInt(JsonNode::asInt).toArray();
        assertThat(tokenizer.encode(text)).isEqualTo(ids);
        checked++;
      }
    }
    assertThat(checked).isEqualTo(35);
    System.out.println("chat: " + checked + " prompts render and tokenize as transformers' apply_chat_template");
  }

  @Test
  void qwen2VlSharesTheQwen25Template() {
    var chat = List.of(ChatMessage.user(List.of(new ChatMessage.Image(), new ChatMessage.Text("Hi"))));
    assertThat(QwenChat.render(QwenVariant.QWEN2_VL, chat, true, true))
        .isEqualTo(QwenChat.render(QwenVariant.QWEN2_5_VL, chat, true, true));
  }

  @Test
  void qwen35RefusesWhatItsTemplateRefuses() {
    var image = ChatMessage.user(List.of(new ChatMessage.Image()));
    assertThatThrownBy(() -> QwenChat.render(QwenVariant.QWEN3_5, List.of(ChatMessage.assistant("x")), true, true))
        .isInstanceOf(VlmqException.class).hasMessageContaining("needs a user message");
    assertThatThrownBy(() -> QwenChat.render(QwenVariant.QWEN3_5, List.of(image, ChatMessage.system("s")), true,
        true)).isInstanceOf(VlmqException.class).hasMessageContaining("must come first");
    assertThatThrownBy(() -> QwenChat.render(QwenVariant.QWEN3_5,
        List.of(new ChatMessage("system", List.of(new ChatMessage.Image())), image), true, true))
        .isInstanceOf(VlmqException.class).hasMessageContaining("cannot contain images");
  }

  /** Jinja's trim is Python's str.strip: no-break and ideographic spaces go too, zero-width spaces stay. */
  @Test
  void trimmingFollowsPython() {
    assertThat(QwenChat.strip("\u00a0\u3000 \t\n x \u0085\u2007\u202f")).isEqualTo("x");
    assertThat(QwenChat.strip("\u200bx\u200b")).isEqualTo("\u200bx\u200b");
  }
}
