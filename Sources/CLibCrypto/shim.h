// OpenSSL's libcrypto, from Debian's libssl-dev: SHA-256 for checking downloaded weights.
#include <openssl/evp.h>
