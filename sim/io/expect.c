/* sim/io/expect.c - expectations against the report.
 *
 * The maps whose missing members mean zero are named here (status, flags,
 * versions, pods, calls and anything below them); elsewhere a missing member
 * is an error, so that a typo such as "traffic.jason.latncy_ms.p50" is not
 * read as 0 and passed.
 */
#include "sim/io/expect.h"

#include "sim/io/read.h"

#include <string.h>

static const char *const zero_maps[] = { "status", "flags", "versions", "pods", "calls", NULL };

/* Reads the value at path; FALSE with a helpful error if it is not there. */
static gboolean
lookup (MsReport *report, const MsExpectConfig *e, const char *path, double *out,
        GError **error)
{
  gsize matched;
  const MsReportNode *node = ms_report_find_prefix (report, path, &matched);
  if (matched == strlen (path))
    {
      if (ms_report_number (node, out))
        return TRUE;
      return ms_read_fail (error, e->node, MS_SCENARIO_ERROR_REFERENCE,
                           "\"%s\" is not a number in the report; name a value below it", path);
    }
  const char *rest = path + matched;
  const char *dot = strchr (rest, '.');
  /* The last object reached: its key decides whether a missing member is
   * a zero count. */
  g_autofree char *parent = g_strndup (path, matched ? matched - 1 : 0);
  const char *last = strrchr (parent, '.');
  last = last ? last + 1 : parent;
  gboolean counting = FALSE;
  for (const char *p = parent; *p && !counting;)
    {
      const char *end = strchr (p, '.');
      g_autofree char *part = end ? g_strndup (p, end - p) : g_strdup (p);
      counting = g_strv_contains (zero_maps, part);
      p = end ? end + 1 : p + strlen (p);
    }
  if (counting && (dot == NULL || g_strv_contains (zero_maps, last)))
    {
      *out = 0;
      return TRUE;
    }
  g_autofree char *head = dot ? g_strndup (rest, dot - rest) : g_strdup (rest);
  g_autoptr (GPtrArray) keys = ms_report_keys (node);
  const char *guess = ms_read_suggest (head, (const char *const *) keys->pdata);
  if (guess != NULL)
    return ms_read_fail (error, e->node, MS_SCENARIO_ERROR_REFERENCE,
                         "\"%s\" is not in the report: no '%s' under '%s'; did you mean '%s'?",
                         path, head, *parent ? parent : "the top", guess);
  keys->pdata[keys->len - 1] = NULL;
  g_autofree char *list = g_strjoinv ("', '", (char **) keys->pdata);
  return ms_read_fail (error, e->node, MS_SCENARIO_ERROR_REFERENCE,
                       "\"%s\" is not in the report: no '%s' under '%s' (it has '%s')", path,
                       head, *parent ? parent : "the top", list);
}

static gboolean
holds (const MsExpectConfig *e, double v)
{
  switch (e->op)
    {
    case MS_EXPECT_EQUALS:
      return v == e->low;
    case MS_EXPECT_AT_LEAST:
      return v >= e->low;
    case MS_EXPECT_AT_MOST:
      return v <= e->high;
    case MS_EXPECT_BETWEEN:
      return v >= e->low && v <= e->high;
    default:
      g_assert_not_reached ();
    }
}

static char *
bound_text (const MsExpectConfig *e)
{
  g_autoptr (GString) a = g_string_new (NULL), b = g_string_new (NULL);
  ms_report_format_double (e->low, a);
  ms_report_format_double (e->high, b);
  switch (e->op)
    {
    case MS_EXPECT_EQUALS:
      return g_strdup_printf ("equal to %s", a->str);
    case MS_EXPECT_AT_LEAST:
      return g_strdup_printf ("at least %s", a->str);
    case MS_EXPECT_AT_MOST:
      return g_strdup_printf ("at most %s", b->str);
    case MS_EXPECT_BETWEEN:
      return g_strdup_printf ("between %s and %s", a->str, b->str);
    default:
      g_assert_not_reached ();
    }
}

int
ms_expect_check (const MsScenario *scenario, MsReport *report, GError **error)
{
  int failed = 0;
  /* Look everything up first, so a bad path fails before any result is
   * recorded. */
  g_autofree double *values = g_new0 (double, scenario->expect->len + 1);
  g_autofree gboolean *defined = g_new0 (gboolean, scenario->expect->len + 1);
  for (guint i = 0; i < scenario->expect->len; i++)
    {
      const MsExpectConfig *e = scenario->expect->pdata[i];
      if (e->path != NULL)
        {
          if (!lookup (report, e, e->path, &values[i], error))
            return -1;
          defined[i] = TRUE;
        }
      else
        {
          double num, den;
          if (!lookup (report, e, e->ratio[0], &num, error)
              || !lookup (report, e, e->ratio[1], &den, error))
            return -1;
          defined[i] = den != 0;
          values[i] = den != 0 ? num / den : 0;
        }
    }
  MsReportNode *array = ms_report_array (ms_report_root (report), "expect");
  for (guint i = 0; i < scenario->expect->len; i++)
    {
      const MsExpectConfig *e = scenario->expect->pdata[i];
      gboolean ok = defined[i] && holds (e, values[i]);
      failed += ok ? 0 : 1;
      MsReportNode *node = ms_report_append_object (array);
      ms_report_set_string (node, "name", e->name);
      if (e->path != NULL)
        ms_report_set_string (node, "path", e->path);
      else
        {
          g_autofree char *ratio = g_strdup_printf ("%s / %s", e->ratio[0], e->ratio[1]);
          ms_report_set_string (node, "ratio", ratio);
        }
      if (defined[i])
        ms_report_set_double (node, "value", values[i]);
      else
        ms_report_set_string (node, "value", "undefined (denominator is 0)");
      g_autofree char *bound = bound_text (e);
      ms_report_set_string (node, "expected", bound);
      ms_report_set_bool (node, "ok", ok);
    }
  return failed;
}

void
ms_expect_write_text (const MsReport *report, gboolean verbose, GString *out)
{
  const MsReportNode *array = ms_report_find (report, "expect");
  for (guint i = 0; i < ms_report_n_children (array); i++)
    {
      const MsReportNode *e = ms_report_child (array, i, NULL);
      gboolean passed = ms_report_get_int (e, "ok") != 0;
      if (passed && !verbose)
        continue;
      const char *what = ms_report_get_string (e, "path");
      if (what == NULL)
        what = ms_report_get_string (e, "ratio");
      g_string_append_printf (out, "%s %s: %s = ", passed ? "PASS" : "FAIL",
                              ms_report_get_string (e, "name"), what);
      const char *text = ms_report_get_string (e, "value");
      if (text != NULL)
        g_string_append (out, text);
      else
        ms_report_format_double (ms_report_get_double (e, "value"), out);
      g_string_append_printf (out, ", expected %s\n", ms_report_get_string (e, "expected"));
    }
}
