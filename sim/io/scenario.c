/* sim/io/scenario.c - the scenario file's own sections.
 *
 * Top-level fields, traffic, faults, timeline and expectations.  Resources
 * (inline or in manifest files) go through manifest.c; workloads are only
 * checked to be an object here, because each model reads its own options
 * when the world is built.  Everything is checked in file order and the
 * first problem is reported, with its place and, where one exists, the fix.
 */
#include "sim/io/scenario.h"

#include "sim/io/read.h"

#include <string.h>

const char *const ms_istio_releases[] = {
  "1.18", "1.19", "1.20", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27", "1.28", NULL,
};

/* Scenario files are written by people: far beyond these sizes, the file
 * is much more likely a mistake (a rate of 1e9) than a plan. */
#define MAX_RATE 1e6
#define MAX_REQUESTS G_GINT64_CONSTANT (100000000)
#define MAX_CONNECTIONS 100000
#define MAX_REPLICAS 1000

/* A size past the limits above is MS_SCENARIO_ERROR_TOO_LARGE rather than a
 * plain bad value: the number means something, meshsim just will not
 * simulate it.  Runs before the typed read, which would only say "out of
 * range". */
static gboolean
check_limit (const MsNode *object, const char *key, double limit, const char *unit,
             GError **error)
{
  const MsNode *node = ms_node_get (object, key);
  if (node == NULL || node->kind != MS_NODE_NUMBER || !(node->number > limit))
    return TRUE;
  return ms_read_fail (error, node, MS_SCENARIO_ERROR_TOO_LARGE,
                       "%s is beyond meshsim's limit of %.0f %s", node->text, limit, unit);
}

/* A member that is there and not null (transfer none), or NULL: null
 * counts as absent, as it does for every reader in read.h. */
static const MsNode *
present (const MsNode *object, const char *key)
{
  const MsNode *node = ms_node_get (object, key);
  return node != NULL && node->kind != MS_NODE_NULL ? node : NULL;
}

static void
traffic_free (gpointer data)
{
  MsTrafficConfig *t = data;
  g_free (t->name);
  g_free (t->body);
  ms_labels_clear (&t->headers);
  g_free (t);
}

static void
expect_free (gpointer data)
{
  MsExpectConfig *e = data;
  g_free (e->name);
  g_free (e);
}

void
ms_scenario_free (MsScenario *scenario)
{
  if (scenario == NULL)
    return;
  g_free (scenario->file);
  g_free (scenario->name);
  g_free (scenario->description);
  g_free (scenario->istio);
  g_clear_pointer (&scenario->namespaces, g_ptr_array_unref);
  g_clear_pointer (&scenario->deployments, g_ptr_array_unref);
  g_clear_pointer (&scenario->services, g_ptr_array_unref);
  g_clear_pointer (&scenario->config_maps, g_ptr_array_unref);
  g_clear_pointer (&scenario->istio_resources, g_ptr_array_unref);
  g_clear_pointer (&scenario->warnings, g_ptr_array_unref);
  g_clear_pointer (&scenario->traffic, g_ptr_array_unref);
  g_clear_pointer (&scenario->faults, g_ptr_array_unref);
  g_clear_pointer (&scenario->timeline, g_ptr_array_unref);
  g_clear_pointer (&scenario->expect, g_ptr_array_unref);
  /* Last: everything above points into these trees. */
  g_clear_pointer (&scenario->documents, g_ptr_array_unref);
  g_free (scenario);
}

static MsScenario *
scenario_new (void)
{
  MsScenario *s = g_new0 (MsScenario, 1);
  s->seed = 1;
  s->duration = -1;
  s->istio = g_strdup (MS_ISTIO_DEFAULT);
  s->network_latency = ms_dist_fixed (100);
  s->documents = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_node_free);
  s->warnings = g_ptr_array_new_with_free_func (g_free);
  s->traffic = g_ptr_array_new_with_free_func (traffic_free);
  s->faults = g_ptr_array_new_with_free_func (g_free);
  s->timeline = g_ptr_array_new_with_free_func (g_free);
  s->expect = g_ptr_array_new_with_free_func (expect_free);
  ms_manifest_init (s);
  return s;
}

gboolean
ms_read_url (const MsNode *object, const char *key, gboolean required, MsUrl *out,
             GError **error)
{
  const char *text = NULL;
  if (!ms_read_string (object, key, required, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  const MsNode *node = ms_node_get (object, key);
  const char *p = text;
  if (g_str_has_prefix (p, "http://"))
    p += 7;
  else if (g_str_has_prefix (p, "https://"))
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_UNSUPPORTED,
                         "https URLs are not simulated; inside a mesh, apps call http:// and the "
                         "sidecars add mTLS (write \"http://%s\")", p + 8);
  else if (strstr (p, "://") != NULL)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "only http:// URLs are simulated, found \"%s\"", text);

  const char *slash = strchr (p, '/');
  g_autofree char *authority = slash ? g_strndup (p, slash - p) : g_strdup (p);
  const char *colon = strchr (authority, ':');
  int port = 0;
  if (colon != NULL)
    {
      char *end = NULL;
      gint64 value = g_ascii_strtoll (colon + 1, &end, 10);
      if (end == colon + 1 || *end != '\0' || value < 1 || value > 65535)
        return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                             "the port in \"%s\" must be a number from 1 to 65535", text);
      port = (int) value;
      authority[colon - authority] = '\0';
    }
  if (authority[0] == '\0')
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "the URL \"%s\" has no host; write e.g. \"http://reviews:9080/reviews/0\"",
                         text);
  for (const char *c = authority; *c; c++)
    if (!(g_ascii_isalnum (*c) || *c == '-' || *c == '.'))
      return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                           "the host \"%s\" has a character '%c' that a DNS name cannot have",
                           authority, *c);
  g_autofree char *lower = g_ascii_strdown (authority, -1);
  out->host = g_intern_string (lower);
  out->port = port;
  out->path = g_intern_string (slash ? slash : "/");
  return TRUE;
}

static gboolean
read_headers (const MsNode *object, MsLabels *out, GError **error)
{
  const MsNode *map;
  if (!ms_read_child (object, "headers", MS_NODE_OBJECT, FALSE, &map, error))
    return FALSE;
  if (map == NULL)
    return TRUE;
  if (map->children->len > 12)
    return ms_read_fail (error, map, MS_SCENARIO_ERROR_TOO_LARGE,
                         "at most 12 headers can be set on a request, found %u",
                         map->children->len);
  out->keys = g_new0 (char *, map->children->len + 1);
  out->values = g_new0 (char *, map->children->len + 1);
  for (guint i = 0; i < map->children->len; i++)
    {
      const MsNode *child = map->children->pdata[i];
      if (!ms_read_expect (child, MS_NODE_STRING, error))
        return FALSE;
      out->keys[i] = g_ascii_strdown (child->key, -1);
      out->values[i] = g_strdup (child->text);
      out->n = i + 1;
    }
  return TRUE;
}

static gboolean
read_traffic (MsScenario *scenario, const MsNode *node, GError **error)
{
  static const char *const fields[] = {
    "name", "from", "request", "rate", "start", "duration", "connections", "requests",
    "overhead", NULL,
  };
  static const char *const request_fields[] = { "method", "url", "headers", "body", NULL };
  static const char *const methods[] = {
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", NULL,
  };
  const MsNode *request;
  if (!ms_read_object (node, fields, error))
    return FALSE;

  MsTrafficConfig *t = g_new0 (MsTrafficConfig, 1);
  g_ptr_array_add (scenario->traffic, t);
  t->node = node;
  t->duration = -1;
  t->from = "ingress";
  t->overhead = ms_dist_fixed (0);
  int method = 0;
  const char *name = NULL;

  if (!ms_read_string (node, "name", TRUE, &name, error)
      || !ms_read_string (node, "from", FALSE, &t->from, error)
      || !ms_read_child (node, "request", MS_NODE_OBJECT, TRUE, &request, error)
      || !ms_read_object (request, request_fields, error)
      || !ms_read_choice (request, "method", FALSE, methods, &method, error)
      || !ms_read_url (request, "url", TRUE, &t->url, error)
      || !read_headers (request, &t->headers, error)
      || !check_limit (node, "rate", MAX_RATE, "requests per second", error)
      || !ms_read_number (node, "rate", FALSE, 0.0, MAX_RATE, &t->rate, error)
      || !ms_read_duration (node, "start", FALSE, &t->start, error)
      || !ms_read_duration (node, "duration", FALSE, &t->duration, error)
      || !check_limit (node, "connections", MAX_CONNECTIONS, "connections", error)
      || !ms_read_int (node, "connections", FALSE, 1, MAX_CONNECTIONS, &t->connections, error)
      || !check_limit (node, "requests", (double) MAX_REQUESTS, "requests", error)
      || !ms_read_int (node, "requests", FALSE, 1, MAX_REQUESTS, &t->requests, error)
      || !ms_read_dist (node, "overhead", FALSE, &t->overhead, error))
    return FALSE;
  if (t->duration == 0)
    return ms_read_fail (error, ms_node_get (node, "duration"), MS_SCENARIO_ERROR_VALUE,
                         "a source lasting 0s sends nothing; omit 'duration' to send for "
                         "the scenario's");
  t->name = g_strdup (name);
  t->method = g_intern_string (methods[method]);
  const MsNode *body = ms_node_get (request, "body");
  if (body != NULL && body->kind != MS_NODE_NULL)
    {
      GString *text = g_string_new (NULL);
      ms_node_write_json (body, text);
      t->body = g_string_free (text, FALSE);
    }

  for (guint i = 0; i + 1 < scenario->traffic->len; i++)
    {
      const MsTrafficConfig *other = scenario->traffic->pdata[i];
      if (g_str_equal (other->name, t->name))
        return ms_read_fail (error, ms_node_get (node, "name"), MS_SCENARIO_ERROR_VALUE,
                             "traffic name \"%s\" is used twice (first at line %d); each "
                             "source needs its own name in the report", name, other->node->line);
    }

  gboolean has_rate = present (node, "rate") != NULL;
  if (has_rate && t->connections > 0)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "give either 'rate' (open loop: arrivals per second) or 'connections' "
                         "(closed loop: clients sending back to back), not both");
  if (has_rate)
    {
      if (t->rate <= 0.0)
        return ms_read_fail (error, ms_node_get (node, "rate"), MS_SCENARIO_ERROR_VALUE,
                             "rate must be above 0 requests per second");
      t->mode = MS_TRAFFIC_OPEN;
      if (t->duration < 0 && t->requests == 0 && scenario->duration < 0)
        return ms_read_fail (error, node, MS_SCENARIO_ERROR_MISSING,
                             "an open-loop source needs an end: set its 'duration' or "
                             "'requests', or the scenario's 'duration'");
    }
  else if (t->connections > 0 || t->requests > 0)
    {
      t->mode = MS_TRAFFIC_CLOSED;
      if (t->connections == 0)
        t->connections = 1;
      if (t->requests == 0 && t->duration < 0 && scenario->duration < 0)
        return ms_read_fail (error, node, MS_SCENARIO_ERROR_MISSING,
                             "closed-loop traffic needs 'requests' or a 'duration'");
    }
  else
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_MISSING,
                         "say how much traffic: 'rate' (per second), 'connections' and "
                         "'requests' (back to back), or 'requests' alone (one after another)");
  return TRUE;
}

static gboolean
read_fraction_block (const MsNode *block, const char *const *fields, double *fraction,
                     GError **error)
{
  *fraction = 1.0;
  return ms_read_object (block, fields, error)
         && ms_read_number (block, "fraction", FALSE, 0.0, 1.0, fraction, error);
}

static gboolean
read_fault (MsScenario *scenario, const MsNode *node, GError **error)
{
  static const char *const fields[] = { "at", "for", "target", "error", "delay", "crash", NULL };
  static const char *const error_fields[] = { "status", "fraction", NULL };
  static const char *const delay_fields[] = { "delay", "fraction", NULL };
  if (!ms_read_object (node, fields, error))
    return FALSE;
  MsFaultConfig *f = g_new0 (MsFaultConfig, 1);
  g_ptr_array_add (scenario->faults, f);
  f->node = node;
  f->length = -1;
  const MsNode *error_block, *delay_block;
  if (!ms_read_duration (node, "at", FALSE, &f->at, error)
      || !ms_read_duration (node, "for", FALSE, &f->length, error)
      || !ms_read_string (node, "target", TRUE, &f->target, error)
      || !ms_read_bool (node, "crash", FALSE, &f->fault.crash, error)
      || !ms_read_child (node, "error", MS_NODE_OBJECT, FALSE, &error_block, error)
      || !ms_read_child (node, "delay", MS_NODE_OBJECT, FALSE, &delay_block, error))
    return FALSE;
  if (f->length == 0)
    return ms_read_fail (error, ms_node_get (node, "for"), MS_SCENARIO_ERROR_VALUE,
                         "a fault lasting 0s does nothing; omit 'for' to last until the end");
  int kinds = (f->fault.crash ? 1 : 0) + (error_block ? 1 : 0) + (delay_block ? 1 : 0);
  if (kinds != 1)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "a fault needs exactly one of 'error', 'delay' or \"crash\": true "
                         "(found %d); write several faults for several effects", kinds);
  if (error_block != NULL)
    {
      gint64 status = 0;
      if (!read_fraction_block (error_block, error_fields, &f->fault.error_fraction, error)
          || !ms_read_int (error_block, "status", TRUE, 200, 599, &status, error))
        return FALSE;
      f->fault.error_status = (int) status;
    }
  if (delay_block != NULL
      && (!read_fraction_block (delay_block, delay_fields, &f->fault.delay_fraction, error)
          || !ms_read_duration (delay_block, "delay", TRUE, &f->fault.delay, error)))
    return FALSE;
  return TRUE;
}

static gboolean
read_timeline (MsScenario *scenario, const MsNode *node, GError **error)
{
  static const char *const fields[] = { "at", "apply", "delete", "scale", NULL };
  static const char *const scale_fields[] = { "deployment", "replicas", NULL };
  static const char *const delete_fields[] = { "kind", "name", "namespace", NULL };
  if (!ms_read_object (node, fields, error))
    return FALSE;
  MsTimelineConfig *t = g_new0 (MsTimelineConfig, 1);
  g_ptr_array_add (scenario->timeline, t);
  t->node = node;
  if (!ms_read_duration (node, "at", TRUE, &t->at, error))
    return FALSE;
  const MsNode *apply = present (node, "apply"), *del = present (node, "delete"),
               *scale = present (node, "scale");
  if ((apply != NULL) + (del != NULL) + (scale != NULL) != 1)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "a timeline entry needs exactly one of 'apply', 'delete' or 'scale'");
  if (scale != NULL)
    {
      gint64 replicas = 0;
      t->kind = MS_TIMELINE_SCALE;
      if (!ms_read_object (scale, scale_fields, error)
          || !ms_read_string (scale, "deployment", TRUE, &t->deployment, error)
          || !check_limit (scale, "replicas", MAX_REPLICAS, "replicas", error)
          || !ms_read_int (scale, "replicas", TRUE, 0, MAX_REPLICAS, &replicas, error))
        return FALSE;
      t->replicas = (int) replicas;
      return TRUE;
    }
  if (del != NULL)
    {
      const char *unused = NULL;
      t->kind = MS_TIMELINE_DELETE;
      t->resource = del;
      return ms_read_object (del, delete_fields, error)
             && ms_read_string (del, "kind", TRUE, &unused, error)
             && ms_read_string (del, "name", TRUE, &unused, error);
    }
  t->kind = MS_TIMELINE_APPLY;
  t->resource = apply;
  const char *kind = NULL;
  if (!ms_read_expect (apply, MS_NODE_OBJECT, error)
      || !ms_read_string (apply, "kind", TRUE, &kind, error))
    return FALSE;
  if (g_str_equal (kind, "Deployment") || g_str_equal (kind, "Service"))
    return ms_read_fail (error, apply, MS_SCENARIO_ERROR_UNSUPPORTED,
                         "applying a %s during a run is not simulated; use \"scale\" to change "
                         "replicas, or define it in resources from the start", kind);
  /* Checked like any resource, but kept apart: it only exists from `at`. */
  g_autoptr (MsScenario) scratch = scenario_new ();
  if (!ms_scenario_add_resource (scratch, apply, error))
    return FALSE;
  /* An ignored kind is never silent, at `at` or from the start. */
  for (guint i = 0; i < scratch->warnings->len; i++)
    g_ptr_array_add (scenario->warnings, g_strdup (scratch->warnings->pdata[i]));
  return TRUE;
}

static gboolean
read_expect (MsScenario *scenario, const MsNode *node, GError **error)
{
  static const char *const fields[] = {
    "name", "path", "ratio", "equals", "atLeast", "atMost", "between", NULL,
  };
  if (!ms_read_object (node, fields, error))
    return FALSE;
  MsExpectConfig *e = g_new0 (MsExpectConfig, 1);
  g_ptr_array_add (scenario->expect, e);
  e->node = node;
  const char *name = NULL;
  const MsNode *ratio;
  if (!ms_read_string (node, "name", FALSE, &name, error)
      || !ms_read_string (node, "path", FALSE, &e->path, error)
      || !ms_read_child (node, "ratio", MS_NODE_ARRAY, FALSE, &ratio, error))
    return FALSE;
  if ((e->path != NULL) == (ratio != NULL))
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "an expectation needs exactly one of 'path' (a value in the report) "
                         "or 'ratio' (two paths, numerator and denominator)");
  if (ratio != NULL)
    {
      if (ratio->children->len != 2)
        return ms_read_fail (error, ratio, MS_SCENARIO_ERROR_VALUE,
                             "'ratio' takes two paths [numerator, denominator], found %u",
                             ratio->children->len);
      for (int i = 0; i < 2; i++)
        {
          const MsNode *p = ratio->children->pdata[i];
          if (!ms_read_expect (p, MS_NODE_STRING, error))
            return FALSE;
          e->ratio[i] = p->text;
        }
    }
  const char *const ops[] = { "equals", "atLeast", "atMost", "between" };
  int n_ops = 0;
  for (int i = 0; i < 4; i++)
    if (present (node, ops[i]) != NULL)
      {
        e->op = (MsExpectOp) i;
        n_ops++;
      }
  if (n_ops != 1)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "an expectation needs exactly one bound: 'equals', 'atLeast', "
                         "'atMost' or 'between' (found %d)", n_ops);
  if (e->op == MS_EXPECT_BETWEEN)
    {
      const MsNode *range = ms_node_get (node, "between");
      if (!ms_read_expect (range, MS_NODE_ARRAY, error))
        return FALSE;
      if (range->children->len != 2
          || ((MsNode *) range->children->pdata[0])->kind != MS_NODE_NUMBER
          || ((MsNode *) range->children->pdata[1])->kind != MS_NODE_NUMBER)
        return ms_read_fail (error, range, MS_SCENARIO_ERROR_VALUE,
                             "'between' takes two numbers [low, high]");
      e->low = ((MsNode *) range->children->pdata[0])->number;
      e->high = ((MsNode *) range->children->pdata[1])->number;
      if (e->low > e->high)
        return ms_read_fail (error, range, MS_SCENARIO_ERROR_VALUE,
                             "'between' has low %g above high %g", e->low, e->high);
    }
  else
    {
      double bound = 0;
      if (!ms_read_number (node, ops[e->op], TRUE, -G_MAXDOUBLE, G_MAXDOUBLE, &bound, error))
        return FALSE;
      e->low = e->high = bound;
    }
  e->name = name ? g_strdup (name) : g_strdup (e->path ? e->path : e->ratio[0]);
  return TRUE;
}

/* Runs reader over each element of the array member key. */
static gboolean
each (MsScenario *scenario, const MsNode *root, const char *key,
      gboolean (*reader) (MsScenario *, const MsNode *, GError **), GError **error)
{
  const MsNode *array;
  if (!ms_read_child (root, key, MS_NODE_ARRAY, FALSE, &array, error))
    return FALSE;
  for (guint i = 0; array != NULL && i < array->children->len; i++)
    if (!reader (scenario, array->children->pdata[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
read_manifests (MsScenario *scenario, const MsNode *root, const char *base_dir, GError **error)
{
  const MsNode *list;
  if (!ms_read_child (root, "manifests", MS_NODE_ARRAY, FALSE, &list, error))
    return FALSE;
  for (guint i = 0; list != NULL && i < list->children->len; i++)
    {
      const MsNode *item = list->children->pdata[i];
      if (!ms_read_expect (item, MS_NODE_STRING, error))
        return FALSE;
      g_autofree char *path = g_path_is_absolute (item->text)
                                  ? g_strdup (item->text)
                                  : g_build_filename (base_dir, item->text, NULL);
      g_autoptr (GError) local = NULL;
      g_autoptr (GPtrArray) docs = ms_node_load_file (path, &local);
      if (docs == NULL)
        {
          /* The usual case, a wrong path, said once rather than in the
           * three forms the I/O message would give it. */
          if (local->domain == MS_NODE_ERROR && local->code == MS_NODE_ERROR_IO
              && !g_file_test (path, G_FILE_TEST_EXISTS))
            return ms_read_fail (error, item, MS_SCENARIO_ERROR_REFERENCE,
                                 "cannot read manifest \"%s\": there is no file %s (paths are "
                                 "relative to the scenario file)", item->text, path);
          if (local->domain == MS_NODE_ERROR && local->code == MS_NODE_ERROR_IO)
            return ms_read_fail (error, item, MS_SCENARIO_ERROR_REFERENCE,
                                 "cannot read manifest \"%s\" (paths are relative to the "
                                 "scenario file): %s", item->text, local->message);
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      /* Move the documents into the scenario before reading them, so that
       * the configs may point into them. */
      guint first = scenario->documents->len;
      g_ptr_array_set_free_func (docs, NULL);
      for (guint d = 0; d < docs->len; d++)
        g_ptr_array_add (scenario->documents, docs->pdata[d]);
      for (guint d = first; d < scenario->documents->len; d++)
        if (!ms_scenario_add_resource (scenario, scenario->documents->pdata[d], error))
          return FALSE;
    }
  return TRUE;
}

static gboolean
read_root (MsScenario *s, const MsNode *root, const char *base_dir, GError **error)
{
  static const char *const fields[] = {
    "name", "description", "seed", "duration", "istio", "network", "manifests",
    "resources", "workloads", "traffic", "faults", "timeline", "expect", NULL,
  };
  static const char *const network_fields[] = { "latency", NULL };
  const char *name = NULL, *description = NULL, *istio = NULL;
  gint64 seed = 1;
  const MsNode *network, *resources;

  if (!ms_read_object (root, fields, error)
      || !ms_read_string (root, "name", FALSE, &name, error)
      || !ms_read_string (root, "description", FALSE, &description, error)
      || !ms_read_int (root, "seed", FALSE, 0, G_MAXINT64, &seed, error)
      || !ms_read_duration (root, "duration", FALSE, &s->duration, error)
      || !ms_read_string (root, "istio", FALSE, &istio, error)
      || !ms_read_child (root, "network", MS_NODE_OBJECT, FALSE, &network, error))
    return FALSE;
  if (s->duration == 0)
    return ms_read_fail (error, ms_node_get (root, "duration"), MS_SCENARIO_ERROR_VALUE,
                         "a run of 0s simulates nothing; omit 'duration' to run until the "
                         "traffic is done");
  s->seed = (guint64) seed;
  if (name == NULL)
    {
      g_autofree char *base = g_path_get_basename (root->file);
      char *dot = strrchr (base, '.');
      if (dot != NULL)
        *dot = '\0';
      name = base;
      s->name = g_strdup (name);
    }
  else
    s->name = g_strdup (name);
  s->description = g_strdup (description);
  if (istio != NULL)
    {
      if (!g_strv_contains (ms_istio_releases, istio))
        {
          g_autofree char *list = g_strjoinv ("\", \"", (char **) ms_istio_releases);
          return ms_read_fail (error, ms_node_get (root, "istio"), MS_SCENARIO_ERROR_VALUE,
                               "unsupported Istio release \"%s\"; expected one of \"%s\"",
                               istio, list);
        }
      g_free (s->istio);
      s->istio = g_strdup (istio);
    }
  if (network != NULL
      && (!ms_read_object (network, network_fields, error)
          || !ms_read_dist (network, "latency", FALSE, &s->network_latency, error)))
    return FALSE;

  if (!read_manifests (s, root, base_dir, error)
      || !ms_read_child (root, "resources", MS_NODE_ARRAY, FALSE, &resources, error))
    return FALSE;
  for (guint i = 0; resources != NULL && i < resources->children->len; i++)
    if (!ms_scenario_add_resource (s, resources->children->pdata[i], error))
      return FALSE;

  if (!ms_read_child (root, "workloads", MS_NODE_OBJECT, FALSE, &s->workloads, error))
    return FALSE;
  return each (s, root, "traffic", read_traffic, error)
         && each (s, root, "faults", read_fault, error)
         && each (s, root, "timeline", read_timeline, error)
         && each (s, root, "expect", read_expect, error);
}

static MsScenario *
load_documents (GPtrArray *docs, const char *file, const char *base_dir, GError **error)
{
  g_autoptr (MsScenario) s = scenario_new ();
  s->file = g_strdup (file);
  if (docs->len > 1)
    {
      /* Pointing at the second document shows where the first one ends. */
      ms_read_fail (error, docs->pdata[1], MS_SCENARIO_ERROR_VALUE,
                    "a scenario is one document, found %u (manifests with several "
                    "documents go under 'manifests')", docs->len);
      return NULL;
    }
  if (docs->len == 0)
    {
      g_set_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_VALUE,
                   "%s: a scenario is one document, found none (the file is empty)", file);
      return NULL;
    }
  g_ptr_array_set_free_func (docs, NULL);
  g_ptr_array_add (s->documents, docs->pdata[0]);
  if (!read_root (s, s->documents->pdata[0], base_dir, error))
    return NULL;
  return g_steal_pointer (&s);
}

MsScenario *
ms_scenario_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autoptr (GPtrArray) docs = ms_node_load_file (path, error);
  if (docs == NULL)
    return NULL;
  g_autofree char *base_dir = g_path_get_dirname (path);
  return load_documents (docs, path, base_dir, error);
}

MsScenario *
ms_scenario_load_data (const char *text, gssize length, const char *format, const char *file,
                       const char *base_dir, GError **error)
{
  g_autoptr (GPtrArray) docs = NULL;
  if (g_str_equal (format, "json"))
    {
      MsNode *root = ms_node_parse_json (text, length, file, error);
      if (root == NULL)
        return NULL;
      docs = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_node_free);
      g_ptr_array_add (docs, root);
    }
  else
    {
      docs = ms_node_parse_yaml (text, length, file, error);
      if (docs == NULL)
        return NULL;
    }
  return load_documents (docs, file, base_dir, error);
}
