#ifndef MAILCERT_SHIMS_H
#define MAILCERT_SHIMS_H
/*
 * Plain functions over the OpenSSL macros, libcurl variadics and glibc extensions that Swift cannot call.
 * One line per wrapped macro; every name starts with mc_. Nothing here owns memory:
 * ownership stays with the Swift wrappers in MailcertCrypto (and later the ACME client).
 */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <curl/curl.h>
#include <spawn.h>

/* OpenSSL: key generation (EVP_RSA_gen / EVP_EC_gen are variadic macros). */
EVP_PKEY *mc_rsa_generate(unsigned int bits);
EVP_PKEY *mc_ec_generate(const char *curve);

/* OpenSSL: memory BIOs and frees. */
long mc_BIO_get_mem_data(BIO *bio, char **data);
void mc_OPENSSL_free(void *pointer);

/* OpenSSL: STACK_OF(X509). */
STACK_OF(X509) *mc_sk_X509_new_null(void);
int mc_sk_X509_push(STACK_OF(X509) *stack, X509 *certificate);
int mc_sk_X509_num(const STACK_OF(X509) *stack);
X509 *mc_sk_X509_value(const STACK_OF(X509) *stack, int index);
void mc_sk_X509_free(STACK_OF(X509) *stack);
void mc_sk_X509_pop_free(STACK_OF(X509) *stack);

/* OpenSSL: STACK_OF(X509_EXTENSION), for the extensions of a CSR. */
STACK_OF(X509_EXTENSION) *mc_sk_X509_EXTENSION_new_null(void);
int mc_sk_X509_EXTENSION_push(STACK_OF(X509_EXTENSION) *stack, X509_EXTENSION *extension);
void mc_sk_X509_EXTENSION_pop_free(STACK_OF(X509_EXTENSION) *stack);

/* OpenSSL: GENERAL_NAMES (subjectAltName). */
int mc_sk_GENERAL_NAME_num(const GENERAL_NAMES *names);
const GENERAL_NAME *mc_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index);
void mc_GENERAL_NAMES_free(GENERAL_NAMES *names);

/* OpenSSL: name printing flags (RFC 2253, UTF-8 kept as is). */
unsigned long mc_XN_FLAG_RFC2253_UTF8(void);

/* OpenSSL: extension context without a config database (X509V3_set_ctx_nodb is a macro). */
void mc_X509V3_set_ctx_nodb(X509V3_CTX *context);

/* OpenSSL: TLS sessions over memory BIOs (SSL_CTX_set_* and BIO_set_* below are macros). */
int mc_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version);
int mc_SSL_CTX_set_max_proto_version(SSL_CTX *context, int version);
long mc_SSL_CTX_set_max_cert_list(SSL_CTX *context, long bytes);
/* Sets SSL_OP_NO_RENEGOTIATION and SSL_OP_NO_COMPRESSION (SSL_OP_* are cast macros). */
void mc_SSL_CTX_forbid_renegotiation_and_compression(SSL_CTX *context);
int mc_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
long mc_BIO_set_mem_eof_return(BIO *bio, int value);
size_t mc_BIO_ctrl_pending(BIO *bio);
STACK_OF(X509) *mc_SSL_get_peer_cert_chain(const SSL *ssl);

/* OpenSSL: the server side of the bundled listener. */
typedef int (*mc_servername_callback)(SSL *ssl, int *alert, void *argument);
void mc_SSL_CTX_set_servername_callback(SSL_CTX *context, mc_servername_callback callback, void *argument);
/* SSL_MODE_RELEASE_BUFFERS: an idle session gives its 34 KiB of record buffers back. */
void mc_SSL_CTX_release_buffers(SSL_CTX *context);
/* SSL_OP_NO_TICKET off, SSL_OP_CIPHER_SERVER_PREFERENCE off: session tickets on, client picks among modern suites. */
void mc_SSL_CTX_set_server_options(SSL_CTX *context);
int mc_SSL_CTX_set1_chain(SSL_CTX *context, STACK_OF(X509) *chain);

/* libcurl: typed curl_easy_setopt / curl_easy_getinfo. */
typedef size_t (*mc_curl_write_callback)(char *data, size_t size, size_t count, void *context);
CURLcode mc_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode mc_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode mc_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode mc_curl_easy_setopt_write_callback(CURL *handle, CURLoption option, mc_curl_write_callback callback);
CURLcode mc_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode mc_curl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value);
const char *mc_curl_version(void);

/* libc (spawn.c): what glibc declares only under _GNU_SOURCE, which the Swift Glibc module is built without.
 * Linked, not looked up at run time: a C library without them fails the build, not a renewal. */
int mc_pipe2(int fds[2], int flags);
/* posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): the child closes every descriptor from `from` up. */
int mc_posix_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);

#endif
