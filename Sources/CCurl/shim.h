#ifndef MAILCERT_CCURL_H
#define MAILCERT_CCURL_H
/* libcurl for the ACME client. curl_easy_setopt/getinfo are variadic: use the typed wrappers in CMailcertShims. */
#include <curl/curl.h>
#endif
