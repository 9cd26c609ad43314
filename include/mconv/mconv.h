// mconv public API, all of it: model.h (load and inspect), convert.h (convert with options),
// verify.h (verify against the source on images), bench.h (latency in a runtime). Link mconv::mconv
// (find_package(mconv)).
#pragma once

#include "mconv/bench.h"
#include "mconv/convert.h"
#include "mconv/model.h"
#include "mconv/status.h"
#include "mconv/verify.h"
