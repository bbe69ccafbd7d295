package io.shardscore.job.change;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardscore.job.SparkTestSession;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.junit.jupiter.api.Test;
import scala.Option;

/**
 * The hash values themselves, pinned for one column of every type shardscore hashes (atomic,
 * arrays, nested arrays, structs, maps): fingerprints stored in manifests by earlier runs must keep
 * matching, or every incremental run would score everything again. A failure names the column whose
 * hash changed. The values were computed by the hasher of commit 97da79f, except those of columns
 * holding arrays of fixed-width numbers without nulls (ints, longs, floats, doubles and the types
 * stored as them: dates, timestamps, intervals, when nested), which fingerprint scheme 2 hashes in
 * bulk: {@code a_flt, a_date, aa, aai, aal, aaf, aad, aats, aadt, aaym, st, m_ia, m_ts, m_aa} are
 * pinned at scheme 2 (arrays with a null, such as {@code a_long}, kept scheme 1's values).
 */
class RowHasherPinnedTest {
  /** Column name to its SQL expression over {@code id}. */
  private static final Map<String, String> COLUMNS = new LinkedHashMap<>();

  /** Column name to the pinned fold of its hashes over ids 0 to 5. */
  private static final Map<String, Long> PINNED = new LinkedHashMap<>();

  private static void pin(String column, String expression, long value) {
    COLUMNS.put(column, expression);
    PINNED.put(column, value);
  }

  static {
    pin("id", "id", 0x0F3B7297E5122830L);
    pin("i", "CASE WHEN id % 7 = 0 THEN NULL ELSE cast(id as int) END", 0xD10BF93C4B94CB57L);
    pin("sh", "cast(id as short)", 0x34121EBDD97F73D7L);
    pin("b", "cast(id % 100 as byte)", 0x79DA83E191CD6183L);
    pin("d", "date_add(date'2020-01-01', cast(id as int))", 0x563EE1ED1E286001L);
    pin(
        "dbl",
        "CASE WHEN id % 3 = 0 THEN -0.0D WHEN id % 3 = 1 THEN double('NaN') ELSE id / 7D END",
        0x47761BD35613DF1BL);
    pin("f", "cast(id / 7D as float)", 0x54487B27C52E8AF0L);
    pin("bool", "id % 2 = 0", 0xF7034E9BA4A6F45BL);
    pin("ts", "timestamp_micros(id * 999)", 0x1E1ECDAAC756D2C0L);
    pin("ntz", "cast(timestamp_micros(id * 999) as timestamp_ntz)", 0x7E6D610800A484B1L);
    pin("str", "cast(id as string)", 0x4D2F6AF352B9766DL);
    pin("bin", "cast(cast(id as string) as binary)", 0x61D05396FCBD083CL);
    pin("dec", "cast(id / 4D as decimal(10, 2))", 0x8BB29AB12CBF3C70L);
    pin("dec_wide", "cast(-id / 3D as decimal(38, 10))", 0xCA0B63A62A21C5D2L);
    pin("dt", "make_dt_interval(0, 0, cast(id as int), 0)", 0xCF09951696971DF3L);
    pin("ym", "make_ym_interval(0, cast(id as int))", 0x99B9731D4893B0F0L);
    pin("ci", "make_interval(0, 1, 0, cast(id as int), 0, 0, 0)", 0xF9E8B653D6FB5F41L);
    pin("nul", "NULL", 0x11D15D8BE0CE4348L);
    pin("tm", "time'12:34:56' + make_dt_interval(0, 0, 0, cast(id as int))", 0x55B650113D1F8A71L);
    pin("a_tm", "array(time'01:02:03')", 0x09813D8D86FCEB7AL);
    pin("st_tm", "named_struct('t', time'01:02:03')", 0xC392D3A117AB9098L);
    pin("a_long", "array(id, -id, NULL)", 0xB93BAA2D5B6208B1L);
    pin("a_int", "array(cast(id as int), NULL)", 0xF5C4005F417106E1L);
    pin("a_short", "array(cast(id as short))", 0x9A861CB8D75ABD6AL);
    pin("a_byte", "array(cast(id % 100 as byte))", 0x586869EDA1AF65B2L);
    pin("a_dbl", "array(id / 3D, -0.0D, double('NaN'), NULL)", 0xAC383AF8581D89D6L);
    pin("a_flt", "array(cast(id / 3D as float), float(-0.0))", 0x97933E2FCACE9104L);
    pin("a_str", "array(cast(id as string), NULL)", 0x173EA959441EE888L);
    pin("a_dec", "array(cast(id / 8D as decimal(9, 3)))", 0xB4733E479C18F840L);
    pin(
        "a_date",
        "array(date'2020-01-01', date_add(date'2020-01-01', cast(id as int)))",
        0xC3631A78A5094E55L);
    pin("a_bool", "array(id % 3 = 0, NULL)", 0xAEC1A78F78495494L);
    pin("a_ts", "array(timestamp_micros(id))", 0x70D5C8C6F083791AL);
    pin("a_ntz", "array(cast(timestamp_micros(id) as timestamp_ntz))", 0xFC3B5351FE94BCCBL);
    pin("a_dt", "array(make_dt_interval(0, 0, 0, cast(id as int)))", 0x57F25AB93652C9B7L);
    pin("a_ym", "array(make_ym_interval(1, cast(id as int)))", 0xEF616E713C8110D4L);
    pin("a_ci", "array(make_interval(0, 1, 0, cast(id as int), 0, 0, 0))", 0x4D81B68525AF9DB8L);
    pin(
        "aa",
        "array(array(id * 1.0D, 0.5D), array(), cast(null as array<double>))",
        0x151C810A2615CC57L);
    pin("aai", "array(array(cast(id as int)), array(cast(null as int)))", 0xE7FAC61B83F1B0B4L);
    pin("aal", "array(array(id), array(-id))", 0xE32AFC7F594D68AAL);
    pin("aaf", "array(array(cast(id as float)))", 0x445FA35ED0680AC8L);
    pin("aad", "array(array(date'2020-01-01'))", 0x8598BA1A2D14EE1AL);
    pin("aats", "array(array(timestamp_micros(id)))", 0x1D77D2D7FA8CCD00L);
    pin("aadt", "array(array(make_dt_interval(0, 0, 0, cast(id as int))))", 0x110E2BD7BCF70974L);
    pin("aaym", "array(array(make_ym_interval(1, cast(id as int))))", 0xCECC341DB06153C9L);
    pin("aab", "array(array(id % 2 = 0))", 0x9794884E279BBB73L);
    pin("aas", "array(array(cast(id as short), cast(id % 100 as byte)))", 0xFA96AAEBC06971D8L);
    pin(
        "a_st",
        "array(named_struct('a', cast(id as int), 'b', cast(id as string)), named_struct('a', 7, 'b', cast(null as string)))",
        0xC24532799A939A13L);
    pin(
        "a_bin",
        "array(cast(cast(id as string) as binary), X'00FF', cast(null as binary))",
        0x045C39BF7C6B1FB9L);
    pin(
        "st",
        "named_struct('x', id / 3.0D, 'y', array(cast(id as int), 1), 'ts', timestamp_micros(id), 'ym', make_ym_interval(0, 1), 'dt', make_dt_interval(0,0,0,cast(id as int)), 'b', id % 2 = 0, 'dec', cast(id as decimal(20,3)), 'ci', make_interval(0,0,0,1,0,0,0), 'n', NULL)",
        0xA556960562560BC1L);
    pin(
        "m_sd",
        "map('a', cast(id as double), 'b', id * 2.5D, 'c', cast(null as double))",
        0xB9255B16DF7563B1L);
    pin(
        "m_ia",
        "map(cast(id as int), array(id * 1.0D, 2.0D), cast(id + 1 as int), array(cast(null as double)))",
        0x0B227ED8CC589AD7L);
    pin("m_st", "map('k', named_struct('p', id, 'q', array(map('z', id))))", 0xB8820E6CEDF39525L);
    pin("m_ts", "map(timestamp_micros(id), array(timestamp_micros(id)))", 0x8FDF84231A7279B5L);
    pin("m_aa", "map(cast(id as string), array(array(cast(id as int))))", 0x9418DC6A24F9C2BDL);
  }

  @Test
  void hashValuesOfEveryTypeStayTheSame() {
    SparkSession spark = SparkTestSession.get();
    Option<String> timeType = spark.conf().getOption("spark.sql.timeType.enabled");
    spark.conf().set("spark.sql.timeType.enabled", "true");
    try {
      List<String> exprs = new ArrayList<>();
      COLUMNS.forEach((name, e) -> exprs.add(e + " AS " + name));
      Dataset<Row> ds = spark.range(0, 6, 1, 2).selectExpr(exprs.toArray(String[]::new));
      List<InternalRow> rows =
          ds.queryExecution().toRdd().toJavaRDD().map(InternalRow::copy).collect();
      List<InternalRow> sorted = new ArrayList<>(rows);
      int id = ds.schema().fieldIndex("id");
      sorted.sort((a, b) -> Long.compare(a.getLong(id), b.getLong(id)));
      Map<String, String> changed = new LinkedHashMap<>();
      for (String column : COLUMNS.keySet()) {
        String[] others =
            COLUMNS.keySet().stream().filter(c -> !c.equals(column)).toArray(String[]::new);
        RowHasher hasher = new RowHasher(ds.schema(), others);
        long fold = 0;
        for (InternalRow r : sorted) {
          fold = fold * 31 + hasher.hashA(r);
          fold = fold * 31 + hasher.hashB(r);
        }
        if (fold != PINNED.get(column)) {
          changed.put(column, String.format("0x%016XL", fold));
        }
      }
      assertEquals(Map.of(), changed, "columns whose hash values changed (now)");
    } finally {
      if (timeType.isDefined()) {
        spark.conf().set("spark.sql.timeType.enabled", timeType.get());
      } else {
        spark.conf().unset("spark.sql.timeType.enabled");
      }
    }
  }
}
