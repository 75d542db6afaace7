/* sim/io/report-html.h - the report as one self-contained HTML page
 * (`--html FILE`): failed expectations first, traffic, sagas, the service
 * graph and per-Service charts over simulated time, inline SVG only.
 * The charts need the report's "series" member and shade its "windows"
 * (both added by the CLI when --html is given). */
#pragma once

#include "sim/io/report.h"

G_BEGIN_DECLS

void ms_report_write_html (const MsReport *report, GString *out);

G_END_DECLS
