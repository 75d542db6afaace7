/* sim/io/scenario.h - a scenario file, loaded and checked.
 *
 * The contract is ../shared/SCENARIO.md.  Loading reads the file (JSON or
 * YAML, same tree), the manifests it names and its inline resources, checks
 * every field it understands, and produces plain configuration structs.
 * It knows nothing of how the cluster runs: models/ turns this into actors.
 * References between parts (a workload naming a Deployment, a call naming a
 * Service) are checked when the world is built, because only then is every
 * name known; the nodes are kept so those errors can point at the place.
 */
#pragma once

#include <glib.h>

#include "sim/core/dist.h"
#include "sim/core/sim.h"
#include "sim/io/node.h"

G_BEGIN_DECLS

/* Kubernetes labels (or a selector), in the order written. */
typedef struct {
  guint n;
  char **keys;
  char **values;
} MsLabels;

const char *ms_labels_get (const MsLabels *labels, const char *key);
/* TRUE when every pair of selector is in labels.  An empty selector matches
 * nothing, as a Service without a selector gets no endpoints. */
gboolean ms_labels_match (const MsLabels *labels, const MsLabels *selector);
void ms_labels_clear (MsLabels *labels);
/* Reads the member key of object, a map of strings (labels, a selector,
 * ConfigMap data), into out; absent or null leaves out empty. */
gboolean ms_read_labels (const MsNode *object, const char *key, MsLabels *out, GError **error);

/* A URL as written in traffic and calls: http://host[:port]/path. */
typedef struct {
  const char *host;   /* interned */
  int port;           /* 0 when not written */
  const char *path;   /* interned, "/" when not written; includes the query */
} MsUrl;

typedef struct {
  char *name;
  const char *namespace_;      /* interned */
  MsLabels labels;             /* the pod template's labels */
  int replicas;
  char *service_account;       /* "default" unless set */
  gboolean sidecar;            /* injection not disabled */
  GPtrArray *config_maps;      /* names of mounted ConfigMaps (char *) */
  const MsNode *node;
} MsDeploymentConfig;

typedef struct {
  int port;
  int target_port;
  char *name;
} MsServicePort;

typedef struct {
  char *name;
  const char *namespace_;
  MsLabels selector;
  GArray *ports;               /* MsServicePort */
  const MsNode *node;
} MsServiceConfig;

typedef struct {
  char *name;
  const char *namespace_;
  MsLabels data;               /* key -> file content */
  const MsNode *node;
} MsConfigMapConfig;

typedef struct {
  char *name;
  MsLabels labels;
  const MsNode *node;
} MsNamespaceConfig;

/* An Istio resource (Gateway, VirtualService, ...), kept as its tree: the
 * mesh models read their own fields. */
typedef struct {
  const char *kind;            /* interned */
  char *name;
  const char *namespace_;
  const MsNode *node;
} MsIstioConfig;

/* What a pod does during a fault window. */
typedef struct {
  gboolean crash;
  int error_status;
  double error_fraction;
  MsTime delay;
  double delay_fraction;
} MsPodFault;

typedef struct {
  MsTime at;
  MsTime length;               /* -1: until the end of the run */
  const char *target;
  MsPodFault fault;
  const MsNode *node;
} MsFaultConfig;

typedef enum {
  MS_TRAFFIC_OPEN,             /* Poisson arrivals at rate */
  MS_TRAFFIC_CLOSED,           /* connections x requests, back to back */
} MsTrafficMode;

typedef struct {
  char *name;
  const char *from;            /* "ingress", "outside", a Deployment */
  const char *method;          /* interned */
  MsUrl url;
  MsLabels headers;            /* names lower-cased */
  char *body;                  /* serialised JSON, or NULL */
  MsTrafficMode mode;
  double rate;
  MsTime start;
  MsTime duration;             /* -1: the scenario's */
  gint64 connections;
  gint64 requests;             /* 0: unbounded (open loop) */
  MsDist overhead;             /* the client's time before each request reaches its proxy */
  const MsNode *node;
} MsTrafficConfig;

typedef enum {
  MS_TIMELINE_APPLY,
  MS_TIMELINE_DELETE,
  MS_TIMELINE_SCALE,
} MsTimelineKind;

typedef struct {
  MsTime at;
  MsTimelineKind kind;
  const MsNode *resource;      /* apply: the object; delete: {kind, name} */
  const char *deployment;      /* scale */
  int replicas;
  const MsNode *node;
} MsTimelineConfig;

typedef enum {
  MS_EXPECT_EQUALS,
  MS_EXPECT_AT_LEAST,
  MS_EXPECT_AT_MOST,
  MS_EXPECT_BETWEEN,
} MsExpectOp;

typedef struct {
  char *name;
  const char *path;            /* or NULL when ratio is used */
  const char *ratio[2];
  MsExpectOp op;
  double low, high;            /* equals/atLeast: low; atMost: high */
  const MsNode *node;
} MsExpectConfig;

typedef struct {
  char *file;
  char *name;
  char *description;
  guint64 seed;
  MsTime duration;             /* -1: until the traffic is done */
  char *istio;                 /* "1.24" */
  MsDist network_latency;

  GPtrArray *documents;        /* MsNode roots, owned: everything points in */
  GPtrArray *namespaces;       /* MsNamespaceConfig */
  GPtrArray *deployments;      /* MsDeploymentConfig */
  GPtrArray *services;         /* MsServiceConfig */
  GPtrArray *config_maps;      /* MsConfigMapConfig */
  GPtrArray *istio_resources;  /* MsIstioConfig */
  GPtrArray *warnings;         /* char *, "file:line:col: ..." */

  const MsNode *workloads;     /* object keyed by Deployment, or NULL */
  GPtrArray *traffic;          /* MsTrafficConfig */
  GPtrArray *faults;           /* MsFaultConfig */
  GPtrArray *timeline;         /* MsTimelineConfig */
  GPtrArray *expect;           /* MsExpectConfig */
} MsScenario;

/* The newest Istio release whose behaviour meshsim reproduces, and the
 * ones it accepts in the `istio` field. */
#define MS_ISTIO_DEFAULT "1.28"
extern const char *const ms_istio_releases[];

/* Loads (transfer full) a scenario from a file, or NULL with an error in
 * MS_NODE_ERROR or MS_SCENARIO_ERROR.  Warnings (ignored kinds) are
 * collected in scenario->warnings. */
MsScenario *ms_scenario_load (const char *path, GError **error);

/* The same from text; file names it in messages and base_dir resolves
 * manifest paths.  format is "json" or "yaml". */
MsScenario *ms_scenario_load_data (const char *text, gssize length, const char *format,
                                   const char *file, const char *base_dir, GError **error);

void ms_scenario_free (MsScenario *scenario);

/* Reads a Kubernetes or Istio object into the scenario (used for manifests,
 * inline resources and timeline `apply`). */
gboolean ms_scenario_add_resource (MsScenario *scenario, const MsNode *object, GError **error);

/* Creates the per-kind arrays (manifest.c owns their element types). */
void ms_manifest_init (MsScenario *scenario);

/* Parses "http://host[:port]/path" (the scheme may be omitted). */
gboolean ms_read_url (const MsNode *object, const char *key, gboolean required,
                      MsUrl *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsScenario, ms_scenario_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MsLabels, ms_labels_clear)

G_END_DECLS
