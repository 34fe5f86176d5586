#ifndef DRIFTWATCH_CLIBYAML_SHIM_H
#define DRIFTWATCH_CLIBYAML_SHIM_H
#include <yaml.h>
#endif
