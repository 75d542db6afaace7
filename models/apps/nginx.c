/* models/apps/nginx.c - the nginx stub (model "nginx").
 *
 * The lab's services are nginx containers whose ConfigMap holds a
 * `server { location ... { return CODE 'BODY'; } }` block.  This model
 * reads that block and answers the way nginx would: an exact location
 * (`location = /x`) first, then the longest matching prefix, then regular
 * expressions (`~`, `~*`) in order unless the longest prefix was marked
 * `^~`; no match is nginx's 404 page.  Only `return` (and `add_header`,
 * which is accepted and ignored) is understood inside a location: that is
 * all the lab's stubs use, and anything else is a warning, not a guess.
 */
#include "models/apps/nginx.h"

#include "sim/io/read.h"

#include <string.h>

typedef enum {
  LOCATION_PREFIX,
  LOCATION_EXACT,
  LOCATION_PREFIX_STOP,   /* ^~ */
  LOCATION_REGEX,
  LOCATION_REGEX_CASELESS,
} LocationKind;

typedef struct {
  LocationKind kind;
  char *path;
  GRegex *regex;
  int status;
  MsBody *body;
} Location;

typedef struct {
  MsModel base;
  GPtrArray *locations;     /* Location *, in file order */
  MsDist latency;
  MsBody *not_found;
  guint64 served;
} NginxModel;

typedef struct {
  MsApp base;
  NginxModel *model;
  MsPod *pod;
} NginxApp;

static void
location_free (gpointer data)
{
  Location *l = data;
  g_free (l->path);
  g_clear_pointer (&l->regex, g_regex_unref);
  g_clear_pointer (&l->body, ms_body_unref);
  g_free (l);
}

static void
nginx_model_free (MsModel *base)
{
  NginxModel *m = (NginxModel *) base;
  g_ptr_array_unref (m->locations);
  ms_body_unref (m->not_found);
  g_free (m);
}

/* A tiny tokenizer for nginx's configuration: words, quoted strings, and
 * the punctuation { } ;.  Comments (#) run to the end of the line. */
typedef struct {
  const char *p;
} Lexer;

static char *
next_token (Lexer *lx)
{
  for (;;)
    {
      while (g_ascii_isspace (*lx->p))
        lx->p++;
      if (*lx->p != '#')
        break;
      while (*lx->p && *lx->p != '\n')
        lx->p++;
    }
  if (*lx->p == '\0')
    return NULL;
  if (*lx->p == '{' || *lx->p == '}' || *lx->p == ';')
    return g_strndup (lx->p++, 1);
  if (*lx->p == '\'' || *lx->p == '"')
    {
      char quote = *lx->p++;
      GString *s = g_string_new (NULL);
      /* The leading quote is kept as a marker that this was a string. */
      g_string_append_c (s, '"');
      while (*lx->p && *lx->p != quote)
        {
          if (*lx->p == '\\' && lx->p[1])
            lx->p++;
          g_string_append_c (s, *lx->p++);
        }
      if (*lx->p)
        lx->p++;
      return g_string_free (s, FALSE);
    }
  const char *start = lx->p;
  while (*lx->p && !g_ascii_isspace (*lx->p) && *lx->p != '{' && *lx->p != '}' && *lx->p != ';')
    lx->p++;
  return g_strndup (start, lx->p - start);
}

/* Skips to the end of a statement (after ';') or a block (matching '}'). */
static void
skip_statement (Lexer *lx)
{
  int depth = 0;
  char *t;
  while ((t = next_token (lx)) != NULL)
    {
      gboolean end = (g_str_equal (t, ";") && depth == 0) || (g_str_equal (t, "}") && --depth == 0);
      if (g_str_equal (t, "{"))
        depth++;
      g_free (t);
      if (end)
        return;
    }
}

static gboolean
parse_location (NginxModel *m, Lexer *lx, const MsNode *where, GPtrArray *warnings,
                GError **error)
{
  g_autofree char *first = next_token (lx);
  if (first == NULL)
    return ms_read_fail (error, where, MS_SCENARIO_ERROR_VALUE, "nginx config: location without a path");
  Location *l = g_new0 (Location, 1);
  g_ptr_array_add (m->locations, l);
  l->status = 200;
  char *path = NULL;
  if (g_str_equal (first, "=") || g_str_equal (first, "^~") || g_str_equal (first, "~")
      || g_str_equal (first, "~*"))
    {
      l->kind = g_str_equal (first, "=") ? LOCATION_EXACT
              : g_str_equal (first, "^~") ? LOCATION_PREFIX_STOP
              : g_str_equal (first, "~") ? LOCATION_REGEX : LOCATION_REGEX_CASELESS;
      path = next_token (lx);
    }
  else
    path = g_strdup (first);
  if (path == NULL)
    return ms_read_fail (error, where, MS_SCENARIO_ERROR_VALUE, "nginx config: location without a path");
  l->path = g_strdup (path[0] == '"' ? path + 1 : path);
  g_free (path);
  if (l->kind == LOCATION_REGEX || l->kind == LOCATION_REGEX_CASELESS)
    {
      g_autoptr (GError) local = NULL;
      l->regex = g_regex_new (l->path, l->kind == LOCATION_REGEX_CASELESS ? G_REGEX_CASELESS : 0,
                              0, &local);
      if (l->regex == NULL)
        return ms_read_fail (error, where, MS_SCENARIO_ERROR_VALUE,
                             "nginx config: bad regex in location %s: %s", l->path, local->message);
    }
  g_autofree char *open = next_token (lx);
  if (open == NULL || !g_str_equal (open, "{"))
    return ms_read_fail (error, where, MS_SCENARIO_ERROR_VALUE,
                         "nginx config: expected '{' after location %s", l->path);
  char *t;
  while ((t = next_token (lx)) != NULL)
    {
      g_autofree char *word = t;
      if (g_str_equal (word, "}"))
        return TRUE;
      if (g_str_equal (word, "return"))
        {
          g_autofree char *code = next_token (lx);
          g_autofree char *text = code ? next_token (lx) : NULL;
          l->status = code ? atoi (code) : 0;
          if (l->status < 100 || l->status > 599)
            return ms_read_fail (error, where, MS_SCENARIO_ERROR_VALUE,
                                 "nginx config: location %s: return needs a status code", l->path);
          if (text != NULL && !g_str_equal (text, ";"))
            {
              l->body = ms_body_new_text (text[0] == '"' ? text + 1 : text, -1);
              g_free (next_token (lx));   /* the ';' */
            }
          continue;
        }
      if (g_str_equal (word, "add_header"))
        {
          skip_statement (lx);
          continue;
        }
      if (warnings != NULL)
        g_ptr_array_add (warnings, g_strdup_printf (
        "%s:%d:%d: nginx config: directive '%s' in location %s is not simulated and is ignored",
        where->file, where->line, where->column, word, l->path));
      if (!g_str_equal (word, ";"))
        skip_statement (lx);
    }
  return ms_read_fail (error, where, MS_SCENARIO_ERROR_VALUE,
                       "nginx config: location %s is not closed with '}'", l->path);
}

MsModel *
ms_nginx_model_new (const char *config, const MsNode *where, GPtrArray *warnings, GError **error)
{
  NginxModel *m = g_new0 (NginxModel, 1);
  m->base.klass = &ms_nginx_model_class;
  m->base.node = where;
  m->locations = g_ptr_array_new_with_free_func (location_free);
  m->latency = ms_dist_fixed (MS_USEC (200));
  m->not_found = ms_body_new_text ("<html>\r\n<head><title>404 Not Found</title></head>\r\n"
                                   "<body>\r\n<center><h1>404 Not Found</h1></center>\r\n"
                                   "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", -1);
  g_autoptr (MsModel) guard = &m->base;
  Lexer lx = { config };
  char *t;
  while ((t = next_token (&lx)) != NULL)
    {
      g_autofree char *word = t;
      if (g_str_equal (word, "location"))
        {
          if (!parse_location (m, &lx, where, warnings, error))
            return NULL;
        }
      else if (g_str_equal (word, "server") || g_str_equal (word, "{") || g_str_equal (word, "}")
               || g_str_equal (word, "http"))
        continue;
      else if (!g_str_equal (word, ";"))
        skip_statement (&lx);   /* listen, server_name, ...: nothing to simulate */
    }
  return g_steal_pointer (&guard);
}

gboolean
ms_nginx_config_looks_like_server (const char *text)
{
  return strstr (text, "server") != NULL && strstr (text, "location") != NULL;
}

static const Location *
match (const NginxModel *m, const char *path)
{
  const Location *best = NULL;
  gsize best_len = 0;
  for (guint i = 0; i < m->locations->len; i++)
    {
      const Location *l = m->locations->pdata[i];
      if (l->kind == LOCATION_EXACT && g_str_equal (l->path, path))
        return l;
      if ((l->kind == LOCATION_PREFIX || l->kind == LOCATION_PREFIX_STOP)
          && g_str_has_prefix (path, l->path) && strlen (l->path) > best_len)
        {
          best = l;
          best_len = strlen (l->path);
        }
    }
  if (best != NULL && best->kind == LOCATION_PREFIX_STOP)
    return best;
  for (guint i = 0; i < m->locations->len; i++)
    {
      const Location *l = m->locations->pdata[i];
      if (l->regex != NULL && g_regex_match (l->regex, path, 0, NULL))
        return l;
    }
  return best;
}

static void
answer (MsSim *sim, gpointer data)
{
  (void) sim;
  MsExchange *ex = data;
  NginxApp *app = (NginxApp *) ex->upstream->app;
  const Location *l = ex->app_data;
  if (l == NULL)
    ms_exchange_finish (ex, 404, 0, MS_RESET_NONE, app->model->not_found);
  else
    ms_exchange_finish (ex, l->status, 0, MS_RESET_NONE, l->body);
}

static void
nginx_handle (MsApp *base, MsPod *pod, MsExchange *ex)
{
  NginxApp *app = (NginxApp *) base;
  char path[1024];
  g_strlcpy (path, ex->request->path, sizeof path);
  char *q = strchr (path, '?');
  if (q != NULL)
    *q = '\0';
  ex->app_data = (gpointer) match (app->model, path);
  app->model->served++;
  ms_sim_schedule (ms_cluster_sim (pod->cluster), ms_dist_sample (&app->model->latency, &pod->random),
                   answer, ex);
}

static void
nginx_app_free (MsApp *app)
{
  g_free (app);
}

static MsApp *
nginx_new_app (MsModel *model, MsPod *pod)
{
  NginxApp *app = g_new0 (NginxApp, 1);
  app->base.handle = nginx_handle;
  app->base.free = nginx_app_free;
  app->model = (NginxModel *) model;
  app->pod = pod;
  return &app->base;
}

static void
nginx_report (MsModel *model, MsReport *report, MsReportNode *workload)
{
  (void) report;
  NginxModel *m = (NginxModel *) model;
  ms_report_set_string (workload, "model", "nginx");
  ms_report_set_int (workload, "locations", m->locations->len);
}

static MsModel *
nginx_parse (const MsNode *node, GError **error)
{
  /* model: nginx in workloads needs the ConfigMap, which the world finds
   * (ms_nginx_model_new); here only the options are checked. */
  static const char *const fields[] = { "model", NULL };
  if (node != NULL && !ms_read_object (node, fields, error))
    return NULL;
  return ms_nginx_model_new ("", node, NULL, error);
}

const MsModelClass ms_nginx_model_class = {
  .name = "nginx",
  .parse = nginx_parse,
  .new_app = nginx_new_app,
  .report = nginx_report,
  .free = nginx_model_free,
};
