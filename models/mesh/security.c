/* models/mesh/security.c - PeerAuthentication and AuthorizationPolicy.
 *
 * Policies are read once and evaluated per request at the server sidecar;
 * there are few of them, so evaluation walks them in scenario order.  The
 * string matching is Istio's: exact, "prefix*", "*suffix" and "*" (any
 * value, but not an absent one).  Only what a mesh without JWT needs is
 * modelled: requestPrincipals, ipBlocks and CUSTOM/AUDIT actions are
 * refused with a clear message rather than silently ignored.
 */
#include "models/mesh/security.h"

#include "sim/io/read.h"

#include <string.h>

#define ROOT_NAMESPACE "istio-system"
#define TRUST_DOMAIN "cluster.local"

typedef struct {
  int port;
  MsMtlsMode mode;
} PortMode;

typedef struct {
  const char *namespace_;
  gboolean has_selector;
  MsLabels selector;
  MsMtlsMode mode;
  GArray *ports;            /* PortMode */
  const MsNode *node;
} PeerAuth;

/* A list of values and its not-list: a field such as principals and
 * notPrincipals. */
typedef struct {
  char **values;
  char **not_values;
} Values;

typedef struct {
  Values principals, namespaces;
} Source;

typedef struct {
  Values hosts, ports, methods, paths;
} Operation;

typedef struct {
  char *key;
  char *header;             /* for request.headers[...] */
  Values values;
} Condition;

typedef struct {
  GPtrArray *from;          /* Source * */
  GPtrArray *to;            /* Operation * */
  GPtrArray *when;          /* Condition * */
} Rule;

typedef enum { ACTION_ALLOW, ACTION_DENY } Action;

typedef struct {
  char *name;
  const char *namespace_;
  gboolean has_selector;
  MsLabels selector;
  Action action;
  GPtrArray *rules;         /* Rule * */
  const MsNode *node;
} AuthzPolicy;

struct _MsSecurity {
  GPtrArray *peer_auths;    /* PeerAuth * */
  GPtrArray *policies;      /* AuthzPolicy * */
};

static void
values_clear (Values *v)
{
  g_strfreev (v->values);
  g_strfreev (v->not_values);
}

static void
source_free (gpointer data)
{
  Source *s = data;
  values_clear (&s->principals);
  values_clear (&s->namespaces);
  g_free (s);
}

static void
operation_free (gpointer data)
{
  Operation *o = data;
  values_clear (&o->hosts);
  values_clear (&o->ports);
  values_clear (&o->methods);
  values_clear (&o->paths);
  g_free (o);
}

static void
condition_free (gpointer data)
{
  Condition *c = data;
  g_free (c->key);
  g_free (c->header);
  values_clear (&c->values);
  g_free (c);
}

static void
rule_free (gpointer data)
{
  Rule *r = data;
  g_ptr_array_unref (r->from);
  g_ptr_array_unref (r->to);
  g_ptr_array_unref (r->when);
  g_free (r);
}

static void
peer_auth_free (gpointer data)
{
  PeerAuth *p = data;
  ms_labels_clear (&p->selector);
  g_array_unref (p->ports);
  g_free (p);
}

static void
policy_free (gpointer data)
{
  AuthzPolicy *p = data;
  g_free (p->name);
  ms_labels_clear (&p->selector);
  if (p->rules != NULL)
    g_ptr_array_unref (p->rules);
  g_free (p);
}

void
ms_security_free (MsSecurity *security)
{
  if (security == NULL)
    return;
  g_ptr_array_unref (security->peer_auths);
  g_ptr_array_unref (security->policies);
  g_free (security);
}

const char *
ms_security_principal (const MsPod *pod)
{
  if (pod->principal != NULL)
    return pod->principal;
  if (pod->deployment == NULL)
    {
      /* The gateway: cached on the pod too, since interning hashes the
       * whole string under GLib's lock for every request through it. */
      if (pod->namespace_ != NULL && g_str_equal (pod->namespace_, ROOT_NAMESPACE))
        ((MsPod *) pod)->principal = g_intern_string (TRUST_DOMAIN "/ns/" ROOT_NAMESPACE
                                                      "/sa/istio-ingressgateway-service-account");
      return pod->principal;
    }
  g_autofree char *p = g_strdup_printf (TRUST_DOMAIN "/ns/%s/sa/%s", pod->namespace_,
                                        pod->deployment->service_account
                                          ? pod->deployment->service_account : "default");
  /* A cache on the pod: the principal never changes. */
  ((MsPod *) pod)->principal = g_intern_string (p);
  return pod->principal;
}

const char *
ms_mtls_mode_name (MsMtlsMode mode)
{
  static const char *const names[] = { "UNSET", "DISABLE", "PERMISSIVE", "STRICT" };
  return names[mode];
}

/* Reading. */

static gboolean
read_selector (const MsNode *spec, gboolean *has, MsLabels *out, GError **error)
{
  static const char *const fields[] = { "matchLabels", NULL };
  const MsNode *selector, *labels;
  if (!ms_read_child (spec, "selector", MS_NODE_OBJECT, FALSE, &selector, error))
    return FALSE;
  *has = selector != NULL;
  if (selector == NULL)
    return TRUE;
  return ms_read_object (selector, fields, error)
         && ms_read_child (selector, "matchLabels", MS_NODE_OBJECT, TRUE, &labels, error)
         && ms_read_labels (selector, "matchLabels", out, error);
}

static gboolean
read_mode (const MsNode *object, MsMtlsMode *out, GError **error)
{
  static const char *const modes[] = { "UNSET", "DISABLE", "PERMISSIVE", "STRICT", NULL };
  static const char *const fields[] = { "mode", NULL };
  if (!ms_read_object (object, fields, error))
    return FALSE;
  int mode = MS_MTLS_UNSET;
  if (!ms_read_choice (object, "mode", FALSE, modes, &mode, error))
    return FALSE;
  *out = (MsMtlsMode) mode;
  return TRUE;
}

/* Warns when no Deployment's pods in scope carry the selector's labels. */
static void
check_selector (const MsCluster *cluster, const char *ns, const MsLabels *selector,
                const MsNode *node, const char *kind, GPtrArray *warnings)
{
  const GPtrArray *deployments = ms_cluster_deployments (cluster);
  for (guint i = 0; i < deployments->len; i++)
    {
      const MsDeployment *d = deployments->pdata[i];
      if ((g_str_equal (ns, ROOT_NAMESPACE) || d->namespace_ == g_intern_string (ns))
          && ms_labels_match (&d->labels, selector))
        return;
    }
  const MsNode *sel = ms_node_get (ms_node_get (node, "spec"), "selector");
  g_autofree char *path = ms_node_path (sel);
  g_ptr_array_add (warnings, g_strdup_printf ("%s:%d:%d: %s: this %s's selector matches no pod "
                                              "in namespace %s, so it applies to nothing",
                                              sel->file, sel->line, sel->column, path, kind, ns));
}

static gboolean
read_peer_auth (MsSecurity *sec, const MsCluster *cluster, const MsIstioConfig *config,
                GPtrArray *warnings, GError **error)
{
  static const char *const fields[] = { "selector", "mtls", "portLevelMtls", NULL };
  const MsNode *spec, *mtls, *ports;
  if (!ms_read_child (config->node, "spec", MS_NODE_OBJECT, TRUE, &spec, error)
      || !ms_read_object (spec, fields, error))
    return FALSE;
  PeerAuth *p = g_new0 (PeerAuth, 1);
  g_ptr_array_add (sec->peer_auths, p);
  p->namespace_ = config->namespace_;
  p->node = config->node;
  p->ports = g_array_new (FALSE, FALSE, sizeof (PortMode));
  if (!read_selector (spec, &p->has_selector, &p->selector, error)
      || !ms_read_child (spec, "mtls", MS_NODE_OBJECT, FALSE, &mtls, error)
      || !ms_read_child (spec, "portLevelMtls", MS_NODE_OBJECT, FALSE, &ports, error))
    return FALSE;
  if (mtls != NULL && !read_mode (mtls, &p->mode, error))
    return FALSE;
  if (ports != NULL && !p->has_selector)
    return ms_read_fail (error, ports, MS_SCENARIO_ERROR_VALUE,
                         "portLevelMtls needs a workload selector; Istio rejects it without one");
  for (guint i = 0; ports != NULL && i < ports->children->len; i++)
    {
      const MsNode *child = ports->children->pdata[i];
      char *end;
      gint64 port = g_ascii_strtoll (child->key, &end, 10);
      if (*end != '\0' || port < 1 || port > 65535)
        return ms_read_fail_key (error, child, MS_SCENARIO_ERROR_VALUE,
                                 "\"%s\" is not a port number", child->key);
      PortMode pm = { (int) port, MS_MTLS_UNSET };
      if (!ms_read_expect (child, MS_NODE_OBJECT, error) || !read_mode (child, &pm.mode, error))
        return FALSE;
      g_array_append_val (p->ports, pm);
    }
  if (p->has_selector && g_str_equal (p->namespace_, ROOT_NAMESPACE))
    {
      g_autofree char *path = ms_node_path (spec);
      g_ptr_array_add (warnings, g_strdup_printf ("%s:%d:%d: %s: a PeerAuthentication with a "
                                                  "selector in the root namespace %s is ignored "
                                                  "by Istio", spec->file, spec->line, spec->column,
                                                  path, ROOT_NAMESPACE));
    }
  else if (p->has_selector)
    check_selector (cluster, p->namespace_, &p->selector, config->node, "PeerAuthentication",
                    warnings);
  return TRUE;
}

static gboolean
read_values (const MsNode *object, const char *key, const char *not_key, Values *out,
             GError **error)
{
  const MsNode *list;
  for (int k = 0; k < 2; k++)
    {
      if (!ms_read_child (object, k ? not_key : key, MS_NODE_ARRAY, FALSE, &list, error))
        return FALSE;
      if (list == NULL)
        continue;
      char **strv = g_new0 (char *, list->children->len + 1);
      for (guint i = 0; i < list->children->len; i++)
        {
          const MsNode *item = list->children->pdata[i];
          if (item->kind != MS_NODE_STRING && item->kind != MS_NODE_NUMBER)
            {
              g_strfreev (strv);
              return ms_read_expect (item, MS_NODE_STRING, error);
            }
          strv[i] = g_strdup (item->text);
        }
      if (k)
        out->not_values = strv;
      else
        out->values = strv;
    }
  return TRUE;
}

static void
check_principals (const MsNode *source, GPtrArray *warnings)
{
  const char *const keys[] = { "principals", "notPrincipals" };
  for (int k = 0; k < 2; k++)
    {
      const MsNode *list = ms_node_get (source, keys[k]);
      for (guint i = 0; list != NULL && list->kind == MS_NODE_ARRAY && i < list->children->len; i++)
        {
          const MsNode *item = list->children->pdata[i];
          if (item->kind != MS_NODE_STRING || strchr (item->text, '*') != NULL)
            continue;
          g_auto (GStrv) parts = g_strsplit (item->text, "/", -1);
          if (g_strv_length (parts) == 5 && g_str_equal (parts[1], "ns")
              && g_str_equal (parts[3], "sa"))
            continue;
          g_autofree char *path = ms_node_path (item);
          g_ptr_array_add (warnings,
                           g_strdup_printf ("%s:%d:%d: %s: \"%s\" is not a principal; they read "
                                            "cluster.local/ns/<namespace>/sa/<service account>",
                                            item->file, item->line, item->column, path,
                                            item->text));
        }
    }
}

static gboolean
read_rule (const MsNode *node, GPtrArray *rules, GPtrArray *warnings, GError **error)
{
  static const char *const fields[] = { "from", "to", "when", NULL };
  static const char *const from_fields[] = { "source", NULL };
  static const char *const source_fields[] = {
    "principals", "notPrincipals", "namespaces", "notNamespaces", "requestPrincipals",
    "notRequestPrincipals", "ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks",
    "serviceAccounts", "notServiceAccounts", NULL,
  };
  static const char *const to_fields[] = { "operation", NULL };
  static const char *const operation_fields[] = {
    "hosts", "notHosts", "ports", "notPorts", "methods", "notMethods", "paths", "notPaths", NULL,
  };
  static const char *const when_fields[] = { "key", "values", "notValues", NULL };
  const MsNode *from, *to, *when;
  if (!ms_read_object (node, fields, error)
      || !ms_read_child (node, "from", MS_NODE_ARRAY, FALSE, &from, error)
      || !ms_read_child (node, "to", MS_NODE_ARRAY, FALSE, &to, error)
      || !ms_read_child (node, "when", MS_NODE_ARRAY, FALSE, &when, error))
    return FALSE;
  Rule *r = g_new0 (Rule, 1);
  r->from = g_ptr_array_new_with_free_func (source_free);
  r->to = g_ptr_array_new_with_free_func (operation_free);
  r->when = g_ptr_array_new_with_free_func (condition_free);
  g_ptr_array_add (rules, r);
  for (guint i = 0; from != NULL && i < from->children->len; i++)
    {
      const MsNode *f = from->children->pdata[i], *source;
      if (!ms_read_object (f, from_fields, error)
          || !ms_read_child (f, "source", MS_NODE_OBJECT, TRUE, &source, error)
          || !ms_read_object (source, source_fields, error))
        return FALSE;
      for (const char *const *k = source_fields + 4; *k; k++)
        if (ms_node_get (source, *k) != NULL)
          return ms_read_fail_key (error, ms_node_get (source, *k), MS_SCENARIO_ERROR_UNSUPPORTED,
                                   "'%s' is not simulated (no JWT or IP addresses in meshsim); "
                                   "use principals or namespaces", *k);
      Source *s = g_new0 (Source, 1);
      g_ptr_array_add (r->from, s);
      if (!read_values (source, "principals", "notPrincipals", &s->principals, error)
          || !read_values (source, "namespaces", "notNamespaces", &s->namespaces, error))
        return FALSE;
      check_principals (source, warnings);
    }
  for (guint i = 0; to != NULL && i < to->children->len; i++)
    {
      const MsNode *t = to->children->pdata[i], *op;
      if (!ms_read_object (t, to_fields, error)
          || !ms_read_child (t, "operation", MS_NODE_OBJECT, TRUE, &op, error)
          || !ms_read_object (op, operation_fields, error))
        return FALSE;
      Operation *o = g_new0 (Operation, 1);
      g_ptr_array_add (r->to, o);
      if (!read_values (op, "hosts", "notHosts", &o->hosts, error)
          || !read_values (op, "ports", "notPorts", &o->ports, error)
          || !read_values (op, "methods", "notMethods", &o->methods, error)
          || !read_values (op, "paths", "notPaths", &o->paths, error))
        return FALSE;
    }
  for (guint i = 0; when != NULL && i < when->children->len; i++)
    {
      const MsNode *w = when->children->pdata[i];
      const char *key = NULL;
      if (!ms_read_object (w, when_fields, error) || !ms_read_string (w, "key", TRUE, &key, error))
        return FALSE;
      Condition *c = g_new0 (Condition, 1);
      g_ptr_array_add (r->when, c);
      c->key = g_strdup (key);
      if (g_str_has_prefix (key, "request.headers[") && g_str_has_suffix (key, "]"))
        c->header = g_ascii_strdown (key + 16, strlen (key) - 17);
      else if (!g_str_equal (key, "source.principal") && !g_str_equal (key, "source.namespace")
               && !g_str_equal (key, "destination.port"))
        return ms_read_fail (error, ms_node_get (w, "key"), MS_SCENARIO_ERROR_UNSUPPORTED,
                             "condition key \"%s\" is not simulated; use request.headers[name], "
                             "source.principal, source.namespace or destination.port", key);
      if (!read_values (w, "values", "notValues", &c->values, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_policy (MsSecurity *sec, const MsCluster *cluster, const MsIstioConfig *config,
             GPtrArray *warnings, GError **error)
{
  static const char *const fields[] = {
    "selector", "targetRef", "targetRefs", "action", "provider", "rules", NULL,
  };
  static const char *const actions[] = { "ALLOW", "DENY", "AUDIT", "CUSTOM", NULL };
  const MsNode *spec, *rules;
  if (!ms_read_child (config->node, "spec", MS_NODE_OBJECT, TRUE, &spec, error)
      || !ms_read_object (spec, fields, error))
    return FALSE;
  AuthzPolicy *p = g_new0 (AuthzPolicy, 1);
  g_ptr_array_add (sec->policies, p);
  p->name = g_strdup (config->name);
  p->namespace_ = config->namespace_;
  p->node = config->node;
  int action = ACTION_ALLOW;
  if (!read_selector (spec, &p->has_selector, &p->selector, error)
      || !ms_read_choice (spec, "action", FALSE, actions, &action, error)
      || !ms_read_child (spec, "rules", MS_NODE_ARRAY, FALSE, &rules, error))
    return FALSE;
  if (action >= 2)
    return ms_read_fail (error, ms_node_get (spec, "action"), MS_SCENARIO_ERROR_UNSUPPORTED,
                         "action %s is not supported by meshsim (it needs an external "
                         "authorizer or a log sink); use ALLOW or DENY", actions[action]);
  if (ms_node_get (spec, "targetRef") != NULL || ms_node_get (spec, "targetRefs") != NULL)
    return ms_read_fail (error, spec, MS_SCENARIO_ERROR_UNSUPPORTED,
                         "targetRef is for waypoints (ambient mode), which meshsim does not "
                         "simulate; use a selector");
  p->action = (Action) action;
  p->rules = g_ptr_array_new_with_free_func (rule_free);
  for (guint i = 0; rules != NULL && i < rules->children->len; i++)
    if (!read_rule (rules->children->pdata[i], p->rules, warnings, error))
      return FALSE;
  if (p->has_selector)
    check_selector (cluster, p->namespace_, &p->selector, config->node, "AuthorizationPolicy",
                    warnings);
  return TRUE;
}

MsSecurity *
ms_security_new (const GPtrArray *resources, MsCluster *cluster, GPtrArray *warnings,
                 GError **error)
{
  g_autoptr (MsSecurity) sec = g_new0 (MsSecurity, 1);
  sec->peer_auths = g_ptr_array_new_with_free_func (peer_auth_free);
  sec->policies = g_ptr_array_new_with_free_func (policy_free);
  for (guint i = 0; i < resources->len; i++)
    {
      const MsIstioConfig *c = resources->pdata[i];
      if (g_str_equal (c->kind, "PeerAuthentication")
          && !read_peer_auth (sec, cluster, c, warnings, error))
        return NULL;
      if (g_str_equal (c->kind, "AuthorizationPolicy")
          && !read_policy (sec, cluster, c, warnings, error))
        return NULL;
    }
  return g_steal_pointer (&sec);
}

/* Evaluation. */

static MsMtlsMode
inherit (MsMtlsMode mode, MsMtlsMode parent)
{
  return mode == MS_MTLS_UNSET ? parent : mode;
}

MsMtlsMode
ms_security_mode (const MsSecurity *sec, const MsPod *pod, int port)
{
  MsMtlsMode mesh = MS_MTLS_UNSET, ns = MS_MTLS_UNSET, workload = MS_MTLS_UNSET;
  gboolean found_mesh = FALSE, found_ns = FALSE, found_workload = FALSE;
  /* The first policy at each level wins (Istio takes the oldest). */
  for (guint i = 0; i < sec->peer_auths->len; i++)
    {
      const PeerAuth *p = sec->peer_auths->pdata[i];
      gboolean root = g_str_equal (p->namespace_, ROOT_NAMESPACE);
      if (!p->has_selector && root && !found_mesh)
        mesh = p->mode, found_mesh = TRUE;
      else if (!p->has_selector && p->namespace_ == pod->namespace_ && !found_ns)
        ns = p->mode, found_ns = TRUE;
      else if (p->has_selector && !root && p->namespace_ == pod->namespace_ && !found_workload
               && pod->labels != NULL && ms_labels_match (pod->labels, &p->selector))
        {
          workload = p->mode;
          for (guint k = 0; k < p->ports->len; k++)
            if (g_array_index (p->ports, PortMode, k).port == port)
              workload = inherit (g_array_index (p->ports, PortMode, k).mode, workload);
          found_workload = TRUE;
        }
    }
  return inherit (workload, inherit (ns, inherit (mesh, MS_MTLS_PERMISSIVE)));
}

/* Istio's string match: exact, "prefix*", "*suffix", "*" (present). */
static gboolean
value_matches (const char *pattern, const char *value)
{
  if (value == NULL)
    return FALSE;
  if (g_str_equal (pattern, "*"))
    return TRUE;
  gsize n = strlen (pattern);
  if (n > 0 && pattern[n - 1] == '*')
    return strncmp (value, pattern, n - 1) == 0;
  if (pattern[0] == '*')
    return g_str_has_suffix (value, pattern + 1);
  return g_str_equal (pattern, value);
}

static gboolean
any_matches (char **patterns, const char *value)
{
  for (char **p = patterns; p && *p; p++)
    if (value_matches (*p, value))
      return TRUE;
  return FALSE;
}

/* A field with values and notValues: both must hold when given. */
static gboolean
values_match (const Values *v, const char *value)
{
  if (v->values != NULL && !any_matches (v->values, value))
    return FALSE;
  if (v->not_values != NULL && any_matches (v->not_values, value))
    return FALSE;
  return TRUE;
}

typedef struct {
  const MsRequest *request;
  const char *principal;
  const char *ns;           /* from the principal */
  char port[8];
  char path[512];
} Attributes;

static gboolean
rule_matches (const Rule *r, const Attributes *a)
{
  gboolean from = r->from->len == 0, to = r->to->len == 0;
  for (guint i = 0; i < r->from->len && !from; i++)
    {
      const Source *s = r->from->pdata[i];
      from = values_match (&s->principals, a->principal) && values_match (&s->namespaces, a->ns);
    }
  for (guint i = 0; i < r->to->len && !to; i++)
    {
      const Operation *o = r->to->pdata[i];
      to = values_match (&o->hosts, a->request->host) && values_match (&o->ports, a->port)
           && values_match (&o->methods, a->request->method) && values_match (&o->paths, a->path);
    }
  if (!from || !to)
    return FALSE;
  for (guint i = 0; i < r->when->len; i++)
    {
      const Condition *c = r->when->pdata[i];
      const char *value = c->header ? ms_request_header (a->request, c->header)
                          : g_str_equal (c->key, "source.principal") ? a->principal
                          : g_str_equal (c->key, "source.namespace") ? a->ns
                                                                      : a->port;
      if (!values_match (&c->values, value))
        return FALSE;
    }
  return TRUE;
}

static gboolean
applies (const AuthzPolicy *p, const MsPod *pod)
{
  gboolean root = g_str_equal (p->namespace_, ROOT_NAMESPACE);
  if (!root && p->namespace_ != pod->namespace_)
    return FALSE;
  return !p->has_selector || (pod->labels != NULL && ms_labels_match (pod->labels, &p->selector));
}

gboolean
ms_security_authorize (const MsSecurity *sec, const MsPod *pod, const MsRequest *request,
                       const char *principal, GString *explain)
{
  /* The common case, no policy for this pod, decides without building the
   * request's attributes. */
  gboolean any = FALSE;
  for (guint i = 0; i < sec->policies->len && !any; i++)
    any = applies (sec->policies->pdata[i], pod);
  if (!any)
    return TRUE;
  Attributes a = { .request = request, .principal = principal };
  g_autofree char *ns = NULL;
  if (principal != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (principal, "/", -1);
      if (g_strv_length (parts) >= 3)
        ns = g_strdup (parts[2]);
    }
  a.ns = ns;
  g_snprintf (a.port, sizeof a.port, "%d", request->port);
  g_strlcpy (a.path, request->path, sizeof a.path);
  char *q = strchr (a.path, '?');
  if (q != NULL)
    *q = '\0';

  gboolean any_allow = FALSE, allowed = FALSE;
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < sec->policies->len; i++)
      {
        const AuthzPolicy *p = sec->policies->pdata[i];
        if ((pass == 0) != (p->action == ACTION_DENY) || !applies (p, pod))
          continue;
        gboolean match = FALSE;
        for (guint r = 0; r < p->rules->len && !match; r++)
          match = rule_matches (p->rules->pdata[r], &a);
        if (explain != NULL)
          g_string_append_printf (explain, "      %s %s/%s: %s\n",
                                  p->action == ACTION_DENY ? "DENY" : "ALLOW", p->namespace_,
                                  p->name, match ? "matches" : "does not match");
        if (p->action == ACTION_DENY && match)
          return FALSE;
        if (p->action == ACTION_ALLOW)
          {
            any_allow = TRUE;
            allowed = allowed || match;
          }
      }
  return !any_allow || allowed;
}
