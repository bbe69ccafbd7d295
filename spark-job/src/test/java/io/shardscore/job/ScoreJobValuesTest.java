package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The library's value-list sharding gives the same plan order whatever map the caller passes. */
class ScoreJobValuesTest {

  private static List<String> shardOrder(Map<String, List<String>> values) {
    return List.copyOf(
        Shardscore.job(null)
            .shardByValues("country", values)
            .config()
            .sharding()
            .values()
            .keySet());
  }

  @Test
  void anUnorderedMapIsTakenInShardNameOrder() {
    Map<String, List<String>> unordered = new HashMap<>();
    List<String> names =
        List.of("zeta", "amer", "emea", "apac", "mid", "nordics", "b", "a9", "a10");
    for (String name : names) {
      unordered.put(name, List.of(name.toUpperCase()));
    }
    assertEquals(names.stream().sorted().toList(), shardOrder(unordered));
    assertEquals(names.stream().sorted().toList(), shardOrder(Map.copyOf(unordered)));
  }

  @Test
  void anOrderedMapKeepsItsOrder() {
    Map<String, List<String>> ordered = new LinkedHashMap<>();
    ordered.put("zeta", List.of("Z"));
    ordered.put("amer", List.of("US"));
    ordered.put("emea", List.of("DE"));
    assertEquals(List.of("zeta", "amer", "emea"), shardOrder(ordered));
  }
}
