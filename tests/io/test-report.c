/* tests/io/test-report.c - the report tree, its JSON and its lookups. */
#include "sim/io/report.h"

#include <string.h>

static void
test_json_order_and_numbers (void)
{
  g_test_summary ("Members keep insertion order; doubles print with at most 3 decimals");
  g_autoptr (MsReport) r = ms_report_new ();
  MsReportNode *root = ms_report_root (r);
  ms_report_set_string (root, "scenario", "a \"quoted\"\nname");
  ms_report_set_int (root, "z", 3);
  ms_report_set_double (root, "a", 1.5);
  ms_report_set_double (root, "b", 2.0);
  ms_report_set_double (root, "c", 0.0004);
  ms_report_set_double (root, "d", 12.34567);
  ms_report_set_bool (root, "ok", TRUE);
  ms_report_object (root, "empty");
  ms_report_add_int (ms_report_object (root, "n"), "x", 2);
  ms_report_add_int (ms_report_object (root, "n"), "x", 3);
  g_autoptr (GString) out = g_string_new (NULL);
  ms_report_write_json (r, out);
  g_assert_cmpstr (out->str, ==,
                   "{\n"
                   "  \"scenario\": \"a \\\"quoted\\\"\\nname\",\n"
                   "  \"z\": 3,\n"
                   "  \"a\": 1.5,\n"
                   "  \"b\": 2,\n"
                   "  \"c\": 0,\n"
                   "  \"d\": 12.346,\n"
                   "  \"ok\": true,\n"
                   "  \"empty\": {},\n"
                   "  \"n\": {\n"
                   "    \"x\": 5\n"
                   "  }\n"
                   "}\n");
}

static void
test_find (void)
{
  g_test_summary ("Dotted paths find values, including keys that contain dots");
  g_autoptr (MsReport) r = ms_report_new ();
  MsReportNode *services = ms_report_object (ms_report_root (r), "services");
  ms_report_set_int (ms_report_object (services, "reviews.bookinfo"), "requests", 7);
  ms_report_set_int (ms_report_object (services, "reviews"), "requests", 9);
  /* Many members: the hash index takes over. */
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *key = g_strdup_printf ("pod-%d", i);
      ms_report_set_int (ms_report_object (services, key), "requests", i);
    }
  double v = 0;
  g_assert_true (ms_report_number (ms_report_find (r, "services.reviews.bookinfo.requests"), &v));
  g_assert_cmpfloat (v, ==, 7);
  g_assert_true (ms_report_number (ms_report_find (r, "services.reviews.requests"), &v));
  g_assert_cmpfloat (v, ==, 9);
  g_assert_true (ms_report_number (ms_report_find (r, "services.pod-17.requests"), &v));
  g_assert_cmpfloat (v, ==, 17);
  g_assert_null (ms_report_find (r, "services.nope.requests"));
  gsize matched = 0;
  ms_report_find_prefix (r, "services.nope.requests", &matched);
  g_assert_cmpuint (matched, ==, strlen ("services."));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/report/json-order-and-numbers", test_json_order_and_numbers);
  g_test_add_func ("/io/report/find", test_find);
  return g_test_run ();
}
