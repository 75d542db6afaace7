/* sim/io/read.c - typed field readers with positioned, helpful errors.
 *
 * The readers are deliberately strict: a string where a number belongs is an
 * error, not a conversion; a bare number where a duration belongs is an
 * error that shows the unit to add.  Silent defaults for typos are how
 * resilience tests end up testing nothing.
 */
#include "sim/io/read.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK (ms-scenario-error-quark, ms_scenario_error)

static gboolean
fail_at (GError **error, const MsNode *node, gboolean at_key, MsScenarioError code,
         const char *format, va_list args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  if (node == NULL)
    {
      g_set_error_literal (error, MS_SCENARIO_ERROR, code, message);
      return FALSE;
    }
  g_autofree char *path = ms_node_path (node);
  gboolean key = at_key && node->key_line > 0;
  g_set_error (error, MS_SCENARIO_ERROR, code, "%s:%d:%d: %s%s%s",
               node->file ? node->file : "<input>", key ? node->key_line : node->line,
               key ? node->key_column : node->column, path, *path ? ": " : "", message);
  return FALSE;
}

gboolean
ms_read_fail (GError **error, const MsNode *node, MsScenarioError code,
              const char *format, ...)
{
  va_list args;
  va_start (args, format);
  fail_at (error, node, FALSE, code, format, args);
  va_end (args);
  return FALSE;
}

gboolean
ms_read_fail_key (GError **error, const MsNode *node, MsScenarioError code,
                  const char *format, ...)
{
  va_list args;
  va_start (args, format);
  fail_at (error, node, TRUE, code, format, args);
  va_end (args);
  return FALSE;
}

/* Edit distance counting a swap of two neighbours as one edit (optimal
 * string alignment), case-insensitive; small strings only (field names).
 * "rnu" is one edit from "run", as a person would count it. */
static guint
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  if (la > 64 || lb > 64)
    return G_MAXUINT;
  guint d[65][65];
  for (gsize i = 0; i <= la; i++)
    d[i][0] = (guint) i;
  for (gsize j = 0; j <= lb; j++)
    d[0][j] = (guint) j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        char x = g_ascii_tolower (a[i - 1]), y = g_ascii_tolower (b[j - 1]);
        guint cost = x == y ? 0 : 1;
        d[i][j] = MIN (MIN (d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && x == g_ascii_tolower (b[j - 2]) && g_ascii_tolower (a[i - 2]) == y)
          d[i][j] = MIN (d[i][j], d[i - 2][j - 2] + 1);
      }
  return d[la][lb];
}

const char *
ms_read_suggest (const char *word, const char *const *candidates)
{
  if (word == NULL || candidates == NULL)
    return NULL;
  guint limit = CLAMP (strlen (word) / 3, 1, 3);
  const char *best = NULL;
  guint best_distance = G_MAXUINT;
  for (const char *const *c = candidates; *c; c++)
    {
      guint d = edit_distance (word, *c);
      /* A candidate that merely extends the word ("replica" ->
       * "replicas") is a good guess even past the limit. */
      if (d < best_distance
          && (d <= limit || g_str_has_prefix (*c, word) || g_str_has_prefix (word, *c)))
        {
          best = *c;
          best_distance = d;
        }
    }
  return best;
}

gboolean
ms_read_expect (const MsNode *node, MsNodeKind kind, GError **error)
{
  if (node->kind == kind)
    return TRUE;
  /* YAML reads `istio: 1.24` and `inject: false` as a number and a bool;
   * the fix is quotes, so say so. */
  if (kind == MS_NODE_STRING && (node->kind == MS_NODE_NUMBER || node->kind == MS_NODE_BOOL))
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_TYPE,
                         "expected a string, found %s %s; quote it: \"%s\"",
                         ms_node_kind_name (node->kind), node->text, node->text);
  if (node->kind == MS_NODE_STRING || node->kind == MS_NODE_NUMBER)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_TYPE, "expected %s, found %s \"%s\"",
                         ms_node_kind_name (kind), ms_node_kind_name (node->kind), node->text);
  return ms_read_fail (error, node, MS_SCENARIO_ERROR_TYPE, "expected %s, found %s",
                       ms_node_kind_name (kind), ms_node_kind_name (node->kind));
}

gboolean
ms_read_object (const MsNode *node, const char *const *allowed, GError **error)
{
  if (!ms_read_expect (node, MS_NODE_OBJECT, error))
    return FALSE;
  for (guint i = 0; i < node->children->len; i++)
    {
      const MsNode *child = node->children->pdata[i];
      if (g_strv_contains (allowed, child->key))
        continue;
      const char *guess = ms_read_suggest (child->key, allowed);
      if (guess != NULL)
        return ms_read_fail_key (error, child, MS_SCENARIO_ERROR_UNKNOWN_FIELD,
                                 "unknown field '%s', did you mean '%s'?", child->key, guess);
      g_autofree char *list = g_strjoinv ("', '", (char **) allowed);
      return ms_read_fail_key (error, child, MS_SCENARIO_ERROR_UNKNOWN_FIELD,
                               "unknown field '%s'; expected one of '%s'", child->key, list);
    }
  return TRUE;
}

/* Looks up key; FALSE with error when absent and required.  *found is NULL
 * when absent (or null). */
static gboolean
member (const MsNode *object, const char *key, gboolean required, const MsNode **found,
        GError **error)
{
  const MsNode *node = ms_node_get (object, key);
  if (node != NULL && node->kind == MS_NODE_NULL)
    node = NULL;
  *found = node;
  if (node == NULL && required)
    return ms_read_fail (error, object, MS_SCENARIO_ERROR_MISSING,
                         "missing required field '%s'", key);
  return TRUE;
}

gboolean
ms_read_string (const MsNode *object, const char *key, gboolean required,
                const char **out, GError **error)
{
  const MsNode *node;
  if (!member (object, key, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!ms_read_expect (node, MS_NODE_STRING, error))
    return FALSE;
  *out = node->text;
  return TRUE;
}

gboolean
ms_read_bool (const MsNode *object, const char *key, gboolean required,
              gboolean *out, GError **error)
{
  const MsNode *node;
  if (!member (object, key, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!ms_read_expect (node, MS_NODE_BOOL, error))
    return FALSE;
  *out = node->boolean;
  return TRUE;
}

gboolean
ms_read_int (const MsNode *object, const char *key, gboolean required,
             gint64 min, gint64 max, gint64 *out, GError **error)
{
  const MsNode *node;
  if (!member (object, key, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (node->kind != MS_NODE_NUMBER)
    return ms_read_expect (node, MS_NODE_NUMBER, error);
  if (!node->is_integer && node->number != floor (node->number))
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_TYPE,
                         "expected a whole number, found %s", node->text);
  /* Not is_integer but whole: written with an exponent (1e3), or past
   * gint64 (99999999999999999999).  The range says more than the form. */
  gboolean outside = node->is_integer
                         ? node->integer < min || node->integer > max
                         : node->number < (double) min || node->number > (double) max;
  if (outside)
    {
      if (max == G_MAXINT64)
        return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                             "expected a whole number of at least %" G_GINT64_FORMAT
                             ", found %s", min, node->text);
      return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                           "expected a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                           ", found %s", min, max, node->text);
    }
  if (!node->is_integer)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_TYPE,
                         "expected a whole number written out in digits (%.0f), found %s",
                         node->number, node->text);
  *out = node->integer;
  return TRUE;
}

gboolean
ms_read_number (const MsNode *object, const char *key, gboolean required,
                double min, double max, double *out, GError **error)
{
  const MsNode *node;
  if (!member (object, key, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!ms_read_expect (node, MS_NODE_NUMBER, error))
    return FALSE;
  if (!isfinite (node->number) || node->number < min || node->number > max)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "expected a number from %g to %g, found %s", min, max, node->text);
  *out = node->number;
  return TRUE;
}

gboolean
ms_duration_parse (const char *text, MsTime *out, GError **error)
{
  const char *p = text;
  double total = 0.0;
  gboolean any = FALSE;

  if (*p == '-')
    {
      g_set_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_VALUE,
                   "a duration cannot be negative, found \"%s\"", text);
      return FALSE;
    }
  while (*p)
    {
      if (!g_ascii_isdigit (*p) && *p != '.')
        goto bad;
      const char *start = p;
      while (g_ascii_isdigit (*p))
        p++;
      if (*p == '.')
        {
          p++;
          while (g_ascii_isdigit (*p))
            p++;
        }
      if (p - start == 1 && *start == '.')
        goto bad;
      double value = g_ascii_strtod (start, NULL);
      double unit;
      if (g_str_has_prefix (p, "ms"))
        unit = 1e3, p += 2;
      else if (g_str_has_prefix (p, "us"))
        unit = 1.0, p += 2;
      else if (g_str_has_prefix (p, "\xc2\xb5s"))
        unit = 1.0, p += 3;
      else if (g_str_has_prefix (p, "ns"))
        unit = 1e-3, p += 2;
      else if (*p == 's')
        unit = 1e6, p++;
      else if (*p == 'm')
        unit = 60e6, p++;
      else if (*p == 'h')
        unit = 3600e6, p++;
      else
        {
          if (*p == '\0')
            g_set_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_VALUE,
                         "the duration \"%s\" has no unit; write e.g. \"%ss\" or \"%sms\"",
                         text, text, text);
          else
            g_set_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_VALUE,
                         "unknown unit in duration \"%s\"; use h, m, s, ms or us", text);
          return FALSE;
        }
      total += value * unit;
      any = TRUE;
    }
  if (!any)
    goto bad;
  if (total > 1e15)
    {
      g_set_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_TOO_LARGE,
                   "the duration \"%s\" is too long (more than 30 years)", text);
      return FALSE;
    }
  *out = (MsTime) ceil (total - 1e-9);
  return TRUE;

bad:
  g_set_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_VALUE,
               "expected a duration such as \"250ms\", \"2s\" or \"1m30s\", found \"%s\"", text);
  return FALSE;
}

char *
ms_duration_format (MsTime d)
{
  if (d == 0)
    return g_strdup ("0s");
  if (d % MS_SEC (3600) == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "h", d / MS_SEC (3600));
  if (d % MS_SEC (60) == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m", d / MS_SEC (60));
  if (d % MS_SEC (1) == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "s", d / MS_SEC (1));
  if (d >= MS_SEC (1) && d % MS_MSEC (100) == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT "s", d / MS_SEC (1),
                            d % MS_SEC (1) / MS_MSEC (100));
  if (d % MS_MSEC (1) == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "ms", d / MS_MSEC (1));
  return g_strdup_printf ("%" G_GINT64_FORMAT "us", d);
}

gboolean
ms_read_duration_node (const MsNode *node, MsTime *out, GError **error)
{
  if (node->kind == MS_NODE_NUMBER)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_TYPE,
                         "expected a duration string such as \"%ss\" or \"%sms\", found the number %s",
                         node->text, node->text, node->text);
  if (!ms_read_expect (node, MS_NODE_STRING, error))
    return FALSE;
  g_autoptr (GError) local = NULL;
  if (!ms_duration_parse (node->text, out, &local))
    return ms_read_fail (error, node, (MsScenarioError) local->code, "%s", local->message);
  return TRUE;
}

gboolean
ms_read_duration (const MsNode *object, const char *key, gboolean required,
                  MsTime *out, GError **error)
{
  const MsNode *node;
  if (!member (object, key, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  return ms_read_duration_node (node, out, error);
}

gboolean
ms_read_dist (const MsNode *object, const char *key, gboolean required,
              MsDist *out, GError **error)
{
  static const char *const fields[] = { "dist", "value", "mean", "min", "max", "p50", "p99", NULL };
  static const char *const kinds[] = { "fixed", "exponential", "uniform", "lognormal", NULL };
  const MsNode *node;
  if (!member (object, key, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (node->kind != MS_NODE_OBJECT)
    {
      MsTime value;
      if (!ms_read_duration_node (node, &value, error))
        return FALSE;
      *out = ms_dist_fixed (value);
      return TRUE;
    }
  int kind;
  if (!ms_read_object (node, fields, error)
      || !ms_read_choice (node, "dist", TRUE, kinds, &kind, error))
    return FALSE;

  /* Each shape takes exactly its own parameters; anything else is most
   * likely a mix-up and is reported rather than ignored. */
  static const char *const wanted[][3] = {
    { "value", NULL, NULL }, { "mean", NULL, NULL }, { "min", "max", NULL }, { "p50", "p99", NULL },
  };
  for (guint i = 0; i < node->children->len; i++)
    {
      const MsNode *child = node->children->pdata[i];
      if (g_str_equal (child->key, "dist") || g_strv_contains (wanted[kind], child->key))
        continue;
      g_autofree char *list = g_strjoinv ("' and '", (char **) wanted[kind]);
      return ms_read_fail (error, child, MS_SCENARIO_ERROR_VALUE,
                           "'%s' does not apply to dist \"%s\", which takes '%s'",
                           child->key, kinds[kind], list);
    }
  MsTime a = 0, b = 0;
  switch (kind)
    {
    case MS_DIST_FIXED:
      if (!ms_read_duration (node, "value", TRUE, &a, error))
        return FALSE;
      *out = ms_dist_fixed (a);
      return TRUE;
    case MS_DIST_EXPONENTIAL:
      if (!ms_read_duration (node, "mean", TRUE, &a, error))
        return FALSE;
      *out = ms_dist_exponential (a);
      return TRUE;
    case MS_DIST_UNIFORM:
      if (!ms_read_duration (node, "min", TRUE, &a, error)
          || !ms_read_duration (node, "max", TRUE, &b, error))
        return FALSE;
      if (b < a)
        return ms_read_fail (error, ms_node_get (node, "max"), MS_SCENARIO_ERROR_VALUE,
                             "max must not be below min");
      *out = ms_dist_uniform (a, b);
      return TRUE;
    case MS_DIST_LOGNORMAL:
      if (!ms_read_duration (node, "p50", TRUE, &a, error)
          || !ms_read_duration (node, "p99", TRUE, &b, error))
        return FALSE;
      if (a <= 0)
        return ms_read_fail (error, ms_node_get (node, "p50"), MS_SCENARIO_ERROR_VALUE,
                             "p50 must be above zero");
      if (b < a)
        return ms_read_fail (error, ms_node_get (node, "p99"), MS_SCENARIO_ERROR_VALUE,
                             "p99 must not be below p50");
      *out = ms_dist_lognormal (a, b);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

gboolean
ms_read_choice (const MsNode *object, const char *key, gboolean required,
                const char *const *choices, int *out, GError **error)
{
  const char *text = NULL;
  if (!ms_read_string (object, key, required, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  for (int i = 0; choices[i]; i++)
    if (g_str_equal (choices[i], text))
      {
        *out = i;
        return TRUE;
      }
  const MsNode *node = ms_node_get (object, key);
  const char *guess = ms_read_suggest (text, choices);
  g_autofree char *list = g_strjoinv ("\", \"", (char **) choices);
  if (guess != NULL)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "unknown value \"%s\", did you mean \"%s\"?", text, guess);
  return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                       "unknown value \"%s\"; expected one of \"%s\"", text, list);
}

gboolean
ms_read_child (const MsNode *object, const char *key, MsNodeKind kind,
               gboolean required, const MsNode **out, GError **error)
{
  const MsNode *node;
  if (!member (object, key, required, &node, error))
    return FALSE;
  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!ms_read_expect (node, kind, error))
    return FALSE;
  *out = node;
  return TRUE;
}

void
ms_node_write_json (const MsNode *node, GString *out)
{
  switch (node->kind)
    {
    case MS_NODE_NULL:
    case MS_NODE_BOOL:
    case MS_NODE_NUMBER:
      g_string_append (out, node->text);
      return;
    case MS_NODE_STRING:
      {
        g_string_append_c (out, '"');
        for (const char *c = node->text; *c; c++)
          {
            if (*c == '"' || *c == '\\')
              g_string_append_printf (out, "\\%c", *c);
            else if ((unsigned char) *c < 0x20)
              g_string_append_printf (out, "\\u%04x", *c);
            else
              g_string_append_c (out, *c);
          }
        g_string_append_c (out, '"');
        return;
      }
    case MS_NODE_ARRAY:
    case MS_NODE_OBJECT:
      {
        gboolean object = node->kind == MS_NODE_OBJECT;
        g_string_append_c (out, object ? '{' : '[');
        for (guint i = 0; i < node->children->len; i++)
          {
            const MsNode *child = node->children->pdata[i];
            if (i > 0)
              g_string_append_c (out, ',');
            if (object)
              {
                MsNode key = { .kind = MS_NODE_STRING, .text = child->key };
                ms_node_write_json (&key, out);
                g_string_append_c (out, ':');
              }
            ms_node_write_json (child, out);
          }
        g_string_append_c (out, object ? '}' : ']');
        return;
      }
    default:
      g_assert_not_reached ();
    }
}

