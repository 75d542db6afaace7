/* sim/io/expect.h - checking a report against the scenario's expectations.
 *
 * Each expectation names a report value by dotted path (or a ratio of two)
 * and a bound.  A path that ends in a count the run never produced (a
 * status code nobody answered, a flag never set) reads as 0, because that
 * is what it means; a path whose leading part is not in the report at all
 * is a mistake in the scenario and fails the check with a suggestion.
 */
#pragma once

#include "sim/io/report.h"
#include "sim/io/scenario.h"

G_BEGIN_DECLS

/* Evaluates every expectation of scenario against report, records the
 * results under report's "expect" array, and returns the number that
 * failed; -1 with error set (MS_SCENARIO_ERROR_REFERENCE) when a path does
 * not name a value in the report. */
int ms_expect_check (const MsScenario *scenario, MsReport *report, GError **error);

/* Writes one line per failed expectation ("FAIL name: value 12, expected at
 * least 20") to out; passed ones too when verbose. */
void ms_expect_write_text (const MsReport *report, gboolean verbose, GString *out);

G_END_DECLS
