/* sim/io/report-text.c - the report as tables for a terminal.
 *
 * Reads only the report tree (never the models), so what the text shows is
 * exactly what `--format json` contains.  Tables are padded to their widest
 * cell; numbers are right-aligned.  No colour: output goes to files and CI
 * logs as often as to terminals, and the PASS/FAIL words carry the meaning.
 */
#include "sim/io/report-text.h"

#include "sim/io/expect.h"

#include <string.h>

typedef struct {
  GPtrArray *rows;       /* GPtrArray of char * cells */
  guint columns;
} Table;

static Table *
table_new (const char *const *header)
{
  Table *t = g_new0 (Table, 1);
  t->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  for (const char *const *h = header; *h; h++)
    g_ptr_array_add (row, g_strdup (*h));
  t->columns = row->len;
  g_ptr_array_add (t->rows, row);
  return t;
}

static GPtrArray *
table_row (Table *t)
{
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (t->rows, row);
  return row;
}

static void
cell (GPtrArray *row, char *text)
{
  g_ptr_array_add (row, text);
}

static void
table_write (Table *t, const char *indent, GString *out)
{
  g_autofree guint *width = g_new0 (guint, t->columns);
  for (guint r = 0; r < t->rows->len; r++)
    {
      GPtrArray *row = t->rows->pdata[r];
      for (guint c = 0; c < row->len && c < t->columns; c++)
        width[c] = MAX (width[c], g_utf8_strlen (row->pdata[c], -1));
    }
  for (guint r = 0; r < t->rows->len; r++)
    {
      GPtrArray *row = t->rows->pdata[r];
      GString *line = g_string_new (indent);
      for (guint c = 0; c < row->len && c < t->columns; c++)
        {
          const char *text = row->pdata[c];
          guint pad = width[c] - g_utf8_strlen (text, -1);
          /* First column and the last (free text) left, numbers right. */
          gboolean left = c == 0 || c == t->columns - 1;
          if (c > 0)
            g_string_append (line, "  ");
          if (!left)
            g_string_append_printf (line, "%*s", pad, "");
          g_string_append (line, text);
          if (left && c != t->columns - 1)
            g_string_append_printf (line, "%*s", pad, "");
        }
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      g_string_append (out, line->str);
      g_string_append_c (out, '\n');
      g_string_free (line, TRUE);
    }
  g_ptr_array_unref (t->rows);
  g_free (t);
}

static char *
number (const MsReportNode *node, const char *key)
{
  GString *s = g_string_new (NULL);
  ms_report_format_double (ms_report_get_double (node, key), s);
  return g_string_free (s, FALSE);
}

/* "200:980 503:20" from a map of counts. */
static char *
counts (const MsReportNode *map)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < ms_report_n_children (map); i++)
    {
      const char *key;
      const MsReportNode *child = ms_report_child (map, i, &key);
      double v = 0;
      ms_report_number (child, &v);
      g_string_append_printf (s, "%s%s:%.0f", s->len ? " " : "", key, v);
    }
  if (s->len == 0)
    g_string_append (s, "-");
  return g_string_free (s, FALSE);
}

static void
write_traffic (const MsReportNode *traffic, GString *out)
{
  static const char *const header[] = {
    "source", "requests", "done", "ok%", "p50 ms", "p90 ms", "p99 ms", "max ms", "status / flags",
    NULL,
  };
  if (ms_report_n_children (traffic) == 0)
    return;
  g_string_append (out, "\nTraffic\n");
  Table *t = table_new (header);
  for (guint i = 0; i < ms_report_n_children (traffic); i++)
    {
      const char *name;
      const MsReportNode *node = ms_report_child (traffic, i, &name);
      const MsReportNode *status = ms_report_get (node, "status");
      const MsReportNode *latency = ms_report_get (node, "latency_ms");
      gint64 done = ms_report_get_int (node, "completed"), ok = 0;
      for (guint s = 0; s < ms_report_n_children (status); s++)
        {
          const char *code;
          const MsReportNode *c = ms_report_child (status, s, &code);
          double v = 0;
          ms_report_number (c, &v);
          if (code[0] == '2' || code[0] == '3')
            ok += (gint64) v;
        }
      GPtrArray *row = table_row (t);
      cell (row, g_strdup (name));
      cell (row, g_strdup_printf ("%" G_GINT64_FORMAT, ms_report_get_int (node, "requests")));
      cell (row, g_strdup_printf ("%" G_GINT64_FORMAT, done));
      cell (row, done ? g_strdup_printf ("%.1f", 100.0 * (double) ok / (double) done)
                      : g_strdup ("-"));
      cell (row, number (latency, "p50"));
      cell (row, number (latency, "p90"));
      cell (row, number (latency, "p99"));
      cell (row, number (latency, "max"));
      g_autofree char *sc = counts (status);
      g_autofree char *fc = counts (ms_report_get (node, "flags"));
      cell (row, g_strdup_printf ("%s  [%s]", sc, fc));
    }
  table_write (t, "  ", out);
}

static void
write_services (const MsReportNode *services, GString *out)
{
  static const char *const header[] = { "service", "requests", "by version", "status", NULL };
  if (ms_report_n_children (services) == 0)
    return;
  g_string_append (out, "\nServices\n");
  Table *t = table_new (header);
  for (guint i = 0; i < ms_report_n_children (services); i++)
    {
      const char *name;
      const MsReportNode *node = ms_report_child (services, i, &name);
      const MsReportNode *versions = ms_report_get (node, "versions");
      GString *by_version = g_string_new (NULL);
      for (guint v = 0; v < ms_report_n_children (versions); v++)
        {
          const char *version;
          const MsReportNode *vn = ms_report_child (versions, v, &version);
          g_string_append_printf (by_version, "%s%s:%" G_GINT64_FORMAT, by_version->len ? " " : "",
                                  version, ms_report_get_int (vn, "requests"));
        }
      GPtrArray *row = table_row (t);
      cell (row, g_strdup (name));
      cell (row, g_strdup_printf ("%" G_GINT64_FORMAT, ms_report_get_int (node, "requests")));
      cell (row, g_string_free (by_version, FALSE));
      cell (row, counts (ms_report_get (node, "status")));
    }
  table_write (t, "  ", out);
}

static void
write_edges (const MsReportNode *edges, GString *out)
{
  static const char *const header[] = {
    "source", "service", "requests", "by version", "status / flags", NULL,
  };
  if (ms_report_n_children (edges) == 0)
    return;
  g_string_append (out, "\nMesh edges (as the client proxies saw them)\n");
  Table *t = table_new (header);
  for (guint i = 0; i < ms_report_n_children (edges); i++)
    {
      const char *source;
      const MsReportNode *targets = ms_report_child (edges, i, &source);
      for (guint k = 0; k < ms_report_n_children (targets); k++)
        {
          const char *service;
          const MsReportNode *node = ms_report_child (targets, k, &service);
          const MsReportNode *versions = ms_report_get (node, "versions");
          GString *by_version = g_string_new (NULL);
          for (guint v = 0; v < ms_report_n_children (versions); v++)
            {
              const char *version;
              const MsReportNode *vn = ms_report_child (versions, v, &version);
              g_string_append_printf (by_version, "%s%s:%" G_GINT64_FORMAT,
                                      by_version->len ? " " : "", version,
                                      ms_report_get_int (vn, "requests"));
            }
          GPtrArray *row = table_row (t);
          cell (row, g_strdup (source));
          cell (row, g_strdup (service));
          cell (row, g_strdup_printf ("%" G_GINT64_FORMAT, ms_report_get_int (node, "requests")));
          cell (row, g_string_free (by_version, FALSE));
          g_autofree char *sc = counts (ms_report_get (node, "status"));
          g_autofree char *fc = counts (ms_report_get (node, "flags"));
          cell (row, g_strdup_printf ("%s  [%s]", sc, fc));
        }
    }
  table_write (t, "  ", out);
}

/* Ejections as a timeline: one row per window, in the order they began. */
static void
write_ejections (const MsReportNode *list, GString *out)
{
  static const char *const header[] = { "from s", "to s", "pod", "ejected by", "cluster", NULL };
  if (ms_report_n_children (list) == 0)
    return;
  g_string_append (out, "\nOutlier ejections (per client proxy)\n");
  Table *t = table_new (header);
  for (guint i = 0; i < ms_report_n_children (list); i++)
    {
      const MsReportNode *w = ms_report_child (list, i, NULL);
      GPtrArray *row = table_row (t);
      cell (row, number (w, "from_s"));
      const char *open_end = ms_report_get_string (w, "to_s");
      cell (row, open_end ? g_strdup (open_end) : number (w, "to_s"));
      cell (row, g_strdup (ms_report_get_string (w, "pod")));
      cell (row, g_strdup (ms_report_get_string (w, "client")));
      cell (row, g_strdup (ms_report_get_string (w, "cluster")));
    }
  table_write (t, "  ", out);
}

static void
write_calls (const MsReportNode *workloads, GString *out)
{
  static const char *const header[] = { "workload", "call", "ok", "failed", "", NULL };
  Table *t = table_new (header);
  gboolean any = FALSE;
  for (guint i = 0; i < ms_report_n_children (workloads); i++)
    {
      const char *name;
      const MsReportNode *node = ms_report_child (workloads, i, &name);
      const MsReportNode *calls = ms_report_get (node, "calls");
      for (guint c = 0; c < ms_report_n_children (calls); c++)
        {
          const char *call;
          const MsReportNode *cn = ms_report_child (calls, c, &call);
          GPtrArray *row = table_row (t);
          cell (row, g_strdup (name));
          cell (row, g_strdup (call));
          cell (row, g_strdup_printf ("%" G_GINT64_FORMAT, ms_report_get_int (cn, "ok")));
          cell (row, g_strdup_printf ("%" G_GINT64_FORMAT, ms_report_get_int (cn, "failed")));
          cell (row, g_strdup (""));
          any = TRUE;
        }
    }
  if (any)
    g_string_append (out, "\nCalls made by workloads\n");
  if (any)
    table_write (t, "  ", out);
  else
    {
      g_ptr_array_unref (t->rows);
      g_free (t);
    }
}

void
ms_report_write_text (const MsReport *report, GString *out)
{
  const MsReportNode *root = ms_report_find (report, "");
  const MsReportNode *sim = ms_report_get (root, "sim");
  g_string_append_printf (out, "meshsim: %s (seed %" G_GINT64_FORMAT ", Istio %s)\n",
                          ms_report_get_string (root, "scenario"),
                          ms_report_get_int (root, "seed"), ms_report_get_string (root, "istio"));
  g_string_append_printf (out, "  %.3f s simulated, %" G_GINT64_FORMAT " events, %"
                          G_GINT64_FORMAT " ms wall\n",
                          (double) ms_report_get_int (root, "duration_ms") / 1000.0,
                          ms_report_get_int (sim, "events"), ms_report_get_int (sim, "wall_ms"));
  write_traffic (ms_report_get (root, "traffic"), out);
  write_services (ms_report_get (root, "services"), out);
  write_edges (ms_report_get (root, "edges"), out);
  write_ejections (ms_report_get (root, "ejections"), out);
  write_calls (ms_report_get (root, "workloads"), out);

  const MsReportNode *warnings = ms_report_get (root, "warnings");
  if (ms_report_n_children (warnings) > 0)
    {
      g_string_append (out, "\nWarnings\n");
      for (guint i = 0; i < ms_report_n_children (warnings); i++)
        g_string_append_printf (out, "  %s\n",
                                ms_report_get_string (ms_report_child (warnings, i, NULL),
                                                      "message"));
    }
  const MsReportNode *expect = ms_report_get (root, "expect");
  if (ms_report_n_children (expect) > 0)
    {
      gint64 failed = 0;
      for (guint i = 0; i < ms_report_n_children (expect); i++)
        failed += ms_report_get_int (ms_report_child (expect, i, NULL), "ok") ? 0 : 1;
      g_string_append_printf (out, "\nExpectations: %u passed, %" G_GINT64_FORMAT " failed\n",
                              ms_report_n_children (expect) - (guint) failed, failed);
      GString *lines = g_string_new (NULL);
      ms_expect_write_text (report, TRUE, lines);
      g_auto (GStrv) split = g_strsplit (lines->str, "\n", -1);
      for (char **l = split; *l; l++)
        if (**l)
          g_string_append_printf (out, "  %s\n", *l);
      g_string_free (lines, TRUE);
    }
}
