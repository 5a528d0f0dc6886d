// OpenBLAS's C interface, from Debian's libopenblas-dev (include path given by pkg-config).
#include <cblas.h>
