/* models/apps/model.h - what a workload's model is, and the registry.
 *
 * A model is chosen per Deployment (`workloads.<name>.model`).  Its options
 * are read once into an MsModel shared by the Deployment's pods; each pod
 * gets its own MsApp with the per-pod state (busy slots, queues, data).
 * Plain structs with a small vtable, no GObject: there may be thousands of
 * pods, and the hot path is one indirect call per request.
 *
 * Life of a model: parse (options only) -> bind (after every Deployment and
 * Service exists: resolve URLs, check references) -> new_app per pod ->
 * handle per request -> report at the end.
 */
#pragma once

#include <glib.h>

#include "models/apps/eventlog.h"
#include "models/kube/cluster.h"
#include "sim/io/node.h"
#include "sim/io/report.h"

G_BEGIN_DECLS

typedef struct _MsModel MsModel;
typedef struct _MsModelClass MsModelClass;

struct _MsApp {
  /* Handles a request that reached the pod.  The app must finish the
   * exchange exactly once, now or later. */
  void (*handle) (MsApp *app, MsPod *pod, MsExchange *exchange);
  void (*free) (MsApp *app);
};

struct _MsModelClass {
  const char *name;
  /* Reads options (node is the workload entry, or NULL for defaults). */
  MsModel *(*parse) (const MsNode *node, GError **error);
  /* Resolves references once the cluster is built. */
  gboolean (*bind) (MsModel *model, MsCluster *cluster, MsDeployment *deployment,
                    GError **error);
  MsApp *(*new_app) (MsModel *model, MsPod *pod);
  /* Adds the model's counters under workloads.<deployment>. */
  void (*report) (MsModel *model, MsReport *report, MsReportNode *workload);
  /* Optional: checks the model's end-of-run invariants (a projection
   * equals the fold of the events it has seen).  Returns FALSE and
   * appends one sentence per problem to problems when one fails; the run
   * then fails as a failed expectation does. */
  gboolean (*verify) (MsModel *model, GString *problems);
  /* What verify checks, as the end of "<deployment> <verified>" in the
   * report's expectation list ("is consistent with the event log"). */
  const char *verified;
  /* Optional: the event store starts from an earlier run's log
   * (--events-in).  The model picks up what it numbers from the log, as a
   * restarted service reads its sequences back, so that new ids do not
   * repeat stored ones. */
  void (*resume) (MsModel *model, const MsEventLog *log);
  /* Optional: pod's process died (a `crash` fault began on it).  What the
   * app held in memory is lost: the model drops it, cancels its timers
   * and calls, and resets the connections it was answering.  Called
   * once per crash, not again for an overlapping crash fault. */
  void (*crash) (MsModel *model, MsPod *pod);
  /* Optional: pod's process is back (its last crash fault ended).  The
   * model picks up from what is durable (its databases and logs), as a
   * restarted service does.  Called after the pod accepts connections
   * again. */
  void (*restart) (MsModel *model, MsPod *pod);
  void (*free) (MsModel *model);
};

struct _MsModel {
  const MsModelClass *klass;
  const MsNode *node;
};

/* The model class called name, or NULL.  (transfer none) */
const MsModelClass *ms_model_lookup (const char *name);

/* Every model name meshsim knows, NULL-terminated, for suggestions. */
const char *const *ms_model_names (void);

/* Names accepted in scenarios whose model is planned but not built yet. */
gboolean ms_model_is_planned (const char *name);

void ms_model_free (MsModel *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsModel, ms_model_free)

G_END_DECLS
