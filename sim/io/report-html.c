/* sim/io/report-html.c - the report as one self-contained HTML page.
 *
 * For a projector: large type, failed expectations first, then the
 * service graph and, per Service, three charts over simulated time
 * (requests per second, share of good answers, p99 latency) with fault
 * windows shaded red and ejection windows amber.  Everything is inline
 * (CSS and SVG); no script, no network.  It reads only the report tree,
 * including the "series" and "windows" members the CLI adds for it.
 */
#include "sim/io/report-html.h"

#include <math.h>
#include <string.h>

static void
escape (GString *out, const char *s)
{
  for (; s && *s; s++)
    switch (*s)
      {
      case '<': g_string_append (out, "&lt;"); break;
      case '>': g_string_append (out, "&gt;"); break;
      case '&': g_string_append (out, "&amp;"); break;
      case '"': g_string_append (out, "&quot;"); break;
      default: g_string_append_c (out, *s);
      }
}

static void
number (GString *out, const MsReportNode *node, const char *key)
{
  ms_report_format_double (ms_report_get_double (node, key), out);
}

static void
write_expectations (const MsReportNode *expect, GString *out)
{
  guint n = ms_report_n_children (expect), failed = 0;
  for (guint i = 0; i < n; i++)
    failed += ms_report_get_int (ms_report_child (expect, i, NULL), "ok") ? 0 : 1;
  if (n == 0)
    return;
  g_string_append_printf (out, "<h2 class=\"%s\">Expectations: %u passed, %u failed</h2>\n<ul>\n",
                          failed ? "bad" : "good", n - failed, failed);
  /* Failed first: what the audience must see. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        const MsReportNode *e = ms_report_child (expect, i, NULL);
        gboolean ok = ms_report_get_int (e, "ok") != 0;
        if (ok != (pass == 1))
          continue;
        g_string_append_printf (out, "<li class=\"%s\">%s ", ok ? "good" : "bad",
                                ok ? "&#10003;" : "&#10007;");
        escape (out, ms_report_get_string (e, "name"));
        g_string_append (out, " <span class=\"dim\">= ");
        const char *text = ms_report_get_string (e, "value");
        if (text != NULL)
          escape (out, text);
        else
          number (out, e, "value");
        g_string_append (out, ", expected ");
        escape (out, ms_report_get_string (e, "expected"));
        g_string_append (out, "</span></li>\n");
      }
  g_string_append (out, "</ul>\n");
}

static void
write_traffic (const MsReportNode *traffic, GString *out)
{
  if (ms_report_n_children (traffic) == 0)
    return;
  g_string_append (out, "<h2>Traffic</h2>\n<table><tr><th>source</th><th>requests</th>"
                        "<th>good</th><th>p50 ms</th><th>p99 ms</th><th>status</th></tr>\n");
  for (guint i = 0; i < ms_report_n_children (traffic); i++)
    {
      const char *name;
      const MsReportNode *t = ms_report_child (traffic, i, &name);
      const MsReportNode *status = ms_report_get (t, "status");
      double done = ms_report_get_double (t, "completed"), good = 0;
      GString *codes = g_string_new (NULL);
      for (guint s = 0; s < ms_report_n_children (status); s++)
        {
          const char *code;
          double v = 0;
          ms_report_number (ms_report_child (status, s, &code), &v);
          if (code[0] == '2' || code[0] == '3')
            good += v;
          g_string_append_printf (codes, "%s%s&times;%.0f", codes->len ? ", " : "", code, v);
        }
      g_string_append (out, "<tr><td>");
      escape (out, name);
      g_string_append_printf (out, "</td><td>%.0f</td><td>%.1f%%</td><td>", done,
                              done > 0 ? 100.0 * good / done : 100.0);
      number (out, ms_report_get (t, "latency_ms"), "p50");
      g_string_append (out, "</td><td>");
      number (out, ms_report_get (t, "latency_ms"), "p99");
      g_string_append_printf (out, "</td><td>%s</td></tr>\n", codes->str);
      g_string_free (codes, TRUE);
    }
  g_string_append (out, "</table>\n");
}

/* A node's index in names, added (at depth 0) if new.  Workloads and
 * Services share one name space, as in Kiali's app graph. */
static guint
node_index (GPtrArray *names, GArray *depth, const char *name)
{
  for (guint k = 0; k < names->len; k++)
    if (g_str_equal (names->pdata[k], name))
      return k;
  g_ptr_array_add (names, (gpointer) name);
  int zero = 0;
  g_array_append_val (depth, zero);
  return names->len - 1;
}

/* The service graph: client workloads left, Services right, in layers by
 * call depth; arrows labelled with requests and error share. */
static void
write_graph (const MsReportNode *edges, GString *out)
{
  if (ms_report_n_children (edges) == 0)
    return;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GArray) depth = g_array_new (FALSE, TRUE, sizeof (int));
  typedef struct { guint from, to; double requests, errors; } Arrow;
  g_autoptr (GArray) arrows = g_array_new (FALSE, FALSE, sizeof (Arrow));
  for (guint i = 0; i < ms_report_n_children (edges); i++)
    {
      const char *source;
      const MsReportNode *targets = ms_report_child (edges, i, &source);
      guint from = node_index (names, depth, source);
      for (guint k = 0; k < ms_report_n_children (targets); k++)
        {
          const char *service;
          const MsReportNode *e = ms_report_child (targets, k, &service);
          guint to = node_index (names, depth, service);
          double total = ms_report_get_double (e, "requests"), bad = 0;
          const MsReportNode *status = ms_report_get (e, "status");
          for (guint s = 0; s < ms_report_n_children (status); s++)
            {
              const char *code;
              double v = 0;
              ms_report_number (ms_report_child (status, s, &code), &v);
              if (code[0] == '5' || code[0] == '0')
                bad += v;
            }
          Arrow a = { from, to, total, bad };
          g_array_append_val (arrows, a);
        }
    }
  /* Depth: longest path from a node nobody calls; a workload's calls start
   * from the Service whose name it begins with (reviews-v2 is reviews). */
  for (guint round = 0; round < names->len; round++)
    for (guint i = 0; i < arrows->len; i++)
      {
        Arrow *a = &g_array_index (arrows, Arrow, i);
        int d = g_array_index (depth, int, a->from) + 1;
        for (guint k = 0; k < names->len; k++)
          if (k != a->from && g_str_has_prefix (names->pdata[a->from], names->pdata[k]))
            d = MAX (d, g_array_index (depth, int, k) + 1);
        if (d > g_array_index (depth, int, a->to))
          g_array_index (depth, int, a->to) = MIN (d, 12);
      }
  int max_depth = 0, rows[13] = { 0 };
  g_autoptr (GArray) row = g_array_new (FALSE, TRUE, sizeof (int));
  g_array_set_size (row, names->len);
  for (guint i = 0; i < names->len; i++)
    {
      int d = g_array_index (depth, int, i);
      max_depth = MAX (max_depth, d);
      g_array_index (row, int, i) = rows[d]++;
    }
  int max_rows = 1;
  for (int d = 0; d <= max_depth; d++)
    max_rows = MAX (max_rows, rows[d]);
  int width = 220 * (max_depth + 1) + 40, height = 70 * max_rows + 40;
  g_string_append_printf (out, "<h2>Service graph</h2>\n<svg class=\"graph\" viewBox=\"0 0 %d %d\" "
                               "width=\"%d\" height=\"%d\">\n<defs><marker id=\"a\" viewBox=\"0 0 10 10\" "
                               "refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">"
                               "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n",
                          width, height, width, height);
#define X(i) (20 + 220 * g_array_index (depth, int, (i)))
#define Y(i) (30 + 70 * g_array_index (row, int, (i)))
  for (guint i = 0; i < arrows->len; i++)
    {
      const Arrow *a = &g_array_index (arrows, Arrow, i);
      double share = a->requests > 0 ? a->errors / a->requests : 0;
      g_string_append_printf (out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                                   "stroke-width=\"2\" marker-end=\"url(#a)\"/>\n",
                              X (a->from) + 170, Y (a->from) + 15, X (a->to), Y (a->to) + 15,
                              share > 0.01 ? "#c0392b" : "#555");
      g_string_append_printf (out, "<text x=\"%d\" y=\"%d\" class=\"small\">%.0f req, %.1f%% err</text>\n",
                              X (a->from) + 175 + (X (a->to) - X (a->from) - 170) / 5,
                              Y (a->from) + 15 + (Y (a->to) - Y (a->from)) / 5 - 4, a->requests,
                              100 * share);
    }
  for (guint i = 0; i < names->len; i++)
    {
      g_string_append_printf (out, "<rect x=\"%d\" y=\"%d\" width=\"170\" height=\"30\" rx=\"6\" "
                                   "fill=\"#eaf2fb\" stroke=\"#2c3e50\"/><text x=\"%d\" y=\"%d\">",
                              X (i), Y (i), X (i) + 8, Y (i) + 20);
      escape (out, names->pdata[i]);
      g_string_append (out, "</text>\n");
    }
#undef X
#undef Y
  g_string_append (out, "</svg>\n");
}

/* One small chart: values per second, with windows shaded. */
static void
chart (GString *out, const char *title, const MsReportNode *values, double fixed_max,
       const MsReportNode *windows, const char *service)
{
  guint n = ms_report_n_children (values);
  const int w = 520, h = 120, left = 50;
  double max = fixed_max;
  for (guint i = 0; i < n && fixed_max <= 0; i++)
    {
      double v = 0;
      ms_report_number (ms_report_child (values, i, NULL), &v);
      max = MAX (max, v);
    }
  if (max <= 0)
    max = 1;
  g_string_append_printf (out, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">"
                               "<text x=\"%d\" y=\"14\" class=\"small\">%s (max %.3g)</text>\n",
                          w + left, h + 30, w + left, h + 30, left, title, max);
  double dx = n > 1 ? (double) w / (double) (n - 1) : w;
  for (guint i = 0; i < ms_report_n_children (windows); i++)
    {
      const MsReportNode *win = ms_report_child (windows, i, NULL);
      const char *target = ms_report_get_string (win, "service");
      if (target != NULL && !g_str_equal (target, service))
        continue;
      double from = ms_report_get_double (win, "from_s");
      double to = ms_report_get_double (win, "to_s");
      if (to <= 0)
        to = n;
      g_string_append_printf (out, "<rect x=\"%.1f\" y=\"20\" width=\"%.1f\" height=\"%d\" "
                                   "fill=\"%s\" opacity=\"0.25\"/>\n",
                              left + from * dx, MAX ((to - from) * dx, 1.0), h,
                              g_strcmp0 (ms_report_get_string (win, "kind"), "ejection") == 0
                                ? "#f39c12" : "#e74c3c");
    }
  g_string_append_printf (out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>",
                          left, h + 20, left + w, h + 20);
  g_string_append (out, "<polyline fill=\"none\" stroke=\"#2471a3\" stroke-width=\"2\" points=\"");
  for (guint i = 0; i < n; i++)
    {
      double v = 0;
      ms_report_number (ms_report_child (values, i, NULL), &v);
      g_string_append_printf (out, "%.1f,%.1f ", left + i * dx, 20 + h - (v / max) * h);
    }
  g_string_append_printf (out, "\"/><text x=\"%d\" y=\"%d\" class=\"small\">0 s</text>"
                               "<text x=\"%d\" y=\"%d\" class=\"small\">%u s</text></svg>\n",
                          left, h + 32, left + w - 30, h + 32, n);
}

void
ms_report_write_html (const MsReport *report, GString *out)
{
  const MsReportNode *root = ms_report_find (report, "");
  g_string_append (out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>meshsim: ");
  escape (out, ms_report_get_string (root, "scenario"));
  g_string_append (out, "</title>\n<style>\n"
    "body{font-family:sans-serif;font-size:20px;margin:2em;color:#222;max-width:1400px}\n"
    "h1{font-size:32px} h2{font-size:26px;margin-top:1.5em}\n"
    ".good{color:#1e8449} .bad{color:#c0392b} .dim{color:#666}\n"
    "table{border-collapse:collapse} td,th{border-bottom:1px solid #ccc;padding:4px 12px;text-align:right}\n"
    "td:first-child,th:first-child{text-align:left}\n"
    ".small{font-size:13px;fill:#444} svg text{font-size:15px}\n"
    ".charts{display:flex;flex-wrap:wrap;gap:8px}\n"
    "</style></head><body>\n<h1>");
  escape (out, ms_report_get_string (root, "scenario"));
  g_string_append_printf (out, "</h1>\n<p class=\"dim\">seed %" G_GINT64_FORMAT ", Istio ",
                          ms_report_get_int (root, "seed"));
  escape (out, ms_report_get_string (root, "istio"));
  g_string_append_printf (out, ", %.1f s simulated, %" G_GINT64_FORMAT " events</p>\n",
                          (double) ms_report_get_int (root, "duration_ms") / 1000.0,
                          ms_report_get_int (ms_report_get (root, "sim"), "events"));
  write_expectations (ms_report_get (root, "expect"), out);
  write_traffic (ms_report_get (root, "traffic"), out);
  const MsReportNode *sagas = ms_report_get (root, "sagas");
  if (ms_report_get_int (sagas, "started") > 0)
    g_string_append_printf (out, "<h2>Sagas</h2><p>%" G_GINT64_FORMAT " started, %" G_GINT64_FORMAT
                                 " completed, %" G_GINT64_FORMAT " compensated, %" G_GINT64_FORMAT
                                 " failed</p>\n", ms_report_get_int (sagas, "started"),
                            ms_report_get_int (sagas, "completed"),
                            ms_report_get_int (sagas, "compensated"),
                            ms_report_get_int (sagas, "failed"));
  write_graph (ms_report_get (root, "edges"), out);
  const MsReportNode *series = ms_report_get (root, "series");
  const MsReportNode *windows = ms_report_get (root, "windows");
  if (ms_report_n_children (series) > 0)
    g_string_append (out, "<h2>Over time</h2>\n<p class=\"dim\">Red: fault windows; amber: "
                          "ejections.</p>\n");
  for (guint i = 0; i < ms_report_n_children (series); i++)
    {
      const char *service;
      const MsReportNode *s = ms_report_child (series, i, &service);
      g_string_append (out, "<h3 id=\"");
      escape (out, service);
      g_string_append (out, "\">");
      escape (out, service);
      g_string_append (out, "</h3><div class=\"charts\">\n");
      chart (out, "requests per second", ms_report_get (s, "requests"), 0, windows, service);
      chart (out, "share of good answers", ms_report_get (s, "ok_share"), 1, windows, service);
      chart (out, "p99 latency (ms)", ms_report_get (s, "p99_ms"), 0, windows, service);
      g_string_append (out, "</div>\n");
    }
  g_string_append (out, "<p class=\"dim\">Made by meshsim " MESHSIM_VERSION ".</p>\n</body></html>\n");
}
