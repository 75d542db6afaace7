/* sim/io/report-text.h - the report as readable tables (`--format text`).
 *
 * Sections: a summary line, traffic sources (requests, completions, share
 * of 2xx/3xx, latency percentiles, status and flag counts), Services (by
 * version and status), calls made by workloads, warnings, expectations.
 */
#pragma once

#include "sim/io/report.h"

G_BEGIN_DECLS

void ms_report_write_text (const MsReport *report, GString *out);

G_END_DECLS
