/* tests/models/test-nginx.c - the nginx stub answers as nginx would. */
#include "tests/testutil.h"

#define CONF                                                                              \
  "server {\\n  listen 80;\\n  # a comment { with braces }\\n"                            \
  "  location /api { return 200 'prefix'; add_header Content-Type application/json; }\\n" \
  "  location /api/orders { return 201 'longest'; }\\n"                                    \
  "  location = /api/exact { return 202 exact; }\\n"                                       \
  "  location ~ ^/v[0-9]+/items$ { return 203 'regex'; }\\n"                               \
  "  location ^~ /static { return 204; }\\n"                                               \
  "  location ~ \\\\.css$ { return 500 'never for /static'; }\\n"                           \
  "}\\n"

static const char json[] =
  "{\"network\":{\"latency\":\"1ms\"},\"resources\":["
  "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
  "\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"volumes\":"
  "[{\"name\":\"c\",\"configMap\":{\"name\":\"web-config\"}}]}}}},"
  "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"web-config\"},"
  "\"data\":{\"default.conf\":\"" CONF "\"}},"
  "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\"},"
  "\"spec\":{\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80}]}}],"
  "\"traffic\":["
  "{\"name\":\"prefix\",\"from\":\"outside\",\"request\":{\"url\":\"http://web/api/users\"},\"requests\":1},"
  "{\"name\":\"longest\",\"from\":\"outside\",\"request\":{\"url\":\"http://web/api/orders/compensate\"},\"requests\":1},"
  "{\"name\":\"exact\",\"from\":\"outside\",\"request\":{\"url\":\"http://web/api/exact?x=1\"},\"requests\":1},"
  "{\"name\":\"exact-miss\",\"from\":\"outside\",\"request\":{\"url\":\"http://web/api/exact/more\"},\"requests\":1},"
  "{\"name\":\"regex\",\"from\":\"outside\",\"request\":{\"url\":\"http://web/v2/items\"},\"requests\":1},"
  "{\"name\":\"stop\",\"from\":\"outside\",\"request\":{\"url\":\"http://web/static/a.css\"},\"requests\":1},"
  "{\"name\":\"none\",\"from\":\"outside\",\"request\":{\"url\":\"http://web/nothing\"},\"requests\":1}]}";

typedef struct {
  const char *traffic;
  int status;
} Case;

static const Case cases[] = {
  { "prefix", 200 }, { "longest", 201 }, { "exact", 202 }, { "exact-miss", 200 },
  { "regex", 203 }, { "stop", 204 }, { "none", 404 },
};

static void
test_locations (void)
{
  g_test_summary ("nginx's location order: exact first, then the longest prefix, then regexes "
                  "unless ^~; no match is 404");
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("traffic.%s.status.%d", cases[i].traffic,
                                               cases[i].status);
      g_assert_cmpfloat (test_value (&run, path), ==, 1);
    }
  g_assert_cmpstr (ms_report_get_string (ms_report_find (run.report, "workloads.web"), "model"),
                   ==, "nginx");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/models/nginx/locations", test_locations);
  return g_test_run ();
}
