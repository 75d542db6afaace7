/* sim/app/serve.h - `meshsim serve`: a live simulation behind HTTP. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Serves the scenario in file on bind:port (0: any free port, printed)
 * until SIGINT or SIGTERM, then prints the report unless quiet.  Returns
 * the exit code (0, or 2 for bad input). */
int ms_serve_run (const char *file, const char *bind, int port, double speed, gboolean quiet);

G_END_DECLS
