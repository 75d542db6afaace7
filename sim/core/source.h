/* sim/core/source.h - a GSource that drives an MsSim from a GMainLoop.
 *
 * Serve mode keeps one simulation alive while libsoup answers HTTP requests
 * on the same GMainContext.  This source maps the wall clock onto virtual
 * time (virtual = start + elapsed wall time x speed) and, whenever virtual
 * time reaches the next event, runs every event due.  Between events it
 * sleeps exactly as long as the next event is away, so an idle simulation
 * costs nothing.  It is the only place in sim/core that reads a clock, and
 * only the monotonic one; the models never see it.
 */
#pragma once

#include <glib.h>

#include "sim/core/sim.h"

G_BEGIN_DECLS

/* Creates (transfer full) a source driving sim at speed (> 0; 1.0 means
 * real time).  Attach it with g_source_attach().  The source does not own
 * sim, which must outlive it. */
GSource *ms_sim_source_new (MsSim *sim, double speed);

/* Brings virtual time up to the wall clock now, running what is due.  Call
 * it before injecting an outside request so that the request is stamped
 * with the current virtual time. */
void ms_sim_source_catch_up (GSource *source);

G_END_DECLS
