package io.shardscore.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationFactory;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

/**
 * {@code conf/log4j2-json.properties}, the documented switch to JSON log lines for log shippers,
 * loads with the launcher's classpath and writes one JSON object per event.
 */
class JsonLoggingTest {
  @Test
  void theJsonConfigurationWritesOneJsonObjectPerLogLine() throws Exception {
    Path config = Path.of("conf/log4j2-json.properties");
    assertTrue(Files.isRegularFile(config), config.toAbsolutePath().toString());
    // A context of its own: the test JVM's logging stays as it is.
    LoggerContext ctx = new LoggerContext("json-logging-test");
    Configuration conf =
        ConfigurationFactory.getInstance()
            .getConfiguration(ctx, ConfigurationSource.fromUri(config.toUri()));
    conf.initialize();
    try {
      Appender console = conf.getAppender("console");
      Layout<?> layout = console.getLayout();
      assertEquals("JsonTemplateLayout", layout.getClass().getSimpleName());
      String line =
          new String(
              layout.toByteArray(
                  Log4jLogEvent.newBuilder()
                      .setLoggerName("io.shardscore.job.run.RunProgress")
                      .setLevel(Level.INFO)
                      .setMessage(new SimpleMessage("shard a done (live): 3 rows"))
                      .build()),
              java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, line);
      JsonNode event = new ObjectMapper().readTree(line);
      assertEquals("shard a done (live): 3 rows", event.get("message").asText(), line);
      assertEquals("INFO", event.get("log.level").asText(), line);
      assertEquals("io.shardscore.job.run.RunProgress", event.get("log.logger").asText(), line);
      assertEquals(Level.INFO, conf.getLoggerConfig("io.shardscore.job").getLevel());
    } finally {
      conf.stop();
    }
  }
}
