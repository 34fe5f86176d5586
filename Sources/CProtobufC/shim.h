#ifndef DRIFTWATCH_CPROTOBUFC_SHIM_H
#define DRIFTWATCH_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
