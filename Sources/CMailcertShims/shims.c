#include "CMailcertShims.h"
#include <openssl/crypto.h>

EVP_PKEY *mc_rsa_generate(unsigned int bits) { return EVP_RSA_gen(bits); }
EVP_PKEY *mc_ec_generate(const char *curve) { return EVP_EC_gen(curve); }

long mc_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
void mc_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }

STACK_OF(X509) *mc_sk_X509_new_null(void) { return sk_X509_new_null(); }
int mc_sk_X509_push(STACK_OF(X509) *stack, X509 *certificate) { return sk_X509_push(stack, certificate); }
int mc_sk_X509_num(const STACK_OF(X509) *stack) { return sk_X509_num(stack); }
X509 *mc_sk_X509_value(const STACK_OF(X509) *stack, int index) { return sk_X509_value(stack, index); }
void mc_sk_X509_free(STACK_OF(X509) *stack) { sk_X509_free(stack); }
void mc_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }

STACK_OF(X509_EXTENSION) *mc_sk_X509_EXTENSION_new_null(void) { return sk_X509_EXTENSION_new_null(); }
int mc_sk_X509_EXTENSION_push(STACK_OF(X509_EXTENSION) *stack, X509_EXTENSION *extension) {
    return sk_X509_EXTENSION_push(stack, extension);
}
void mc_sk_X509_EXTENSION_pop_free(STACK_OF(X509_EXTENSION) *stack) {
    sk_X509_EXTENSION_pop_free(stack, X509_EXTENSION_free);
}

int mc_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }
const GENERAL_NAME *mc_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index) {
    return sk_GENERAL_NAME_value(names, index);
}
void mc_GENERAL_NAMES_free(GENERAL_NAMES *names) { GENERAL_NAMES_free(names); }

unsigned long mc_XN_FLAG_RFC2253_UTF8(void) { return XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB; }

void mc_X509V3_set_ctx_nodb(X509V3_CTX *context) { X509V3_set_ctx_nodb(context); }

CURLcode mc_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode mc_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode mc_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode mc_curl_easy_setopt_write_callback(CURL *handle, CURLoption option, mc_curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}
CURLcode mc_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode mc_curl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}
const char *mc_curl_version(void) { return curl_version(); }

int mc_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_min_proto_version(context, version);
}
int mc_SSL_CTX_set_max_proto_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_max_proto_version(context, version);
}
long mc_SSL_CTX_set_max_cert_list(SSL_CTX *context, long bytes) { return SSL_CTX_set_max_cert_list(context, bytes); }
void mc_SSL_CTX_forbid_renegotiation_and_compression(SSL_CTX *context) {
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
}
int mc_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }
long mc_BIO_set_mem_eof_return(BIO *bio, int value) { return BIO_set_mem_eof_return(bio, value); }
size_t mc_BIO_ctrl_pending(BIO *bio) { return BIO_ctrl_pending(bio); }
STACK_OF(X509) *mc_SSL_get_peer_cert_chain(const SSL *ssl) { return SSL_get_peer_cert_chain(ssl); }

void mc_SSL_CTX_set_servername_callback(SSL_CTX *context, mc_servername_callback callback, void *argument) {
    SSL_CTX_set_tlsext_servername_callback(context, callback);
    SSL_CTX_set_tlsext_servername_arg(context, argument);
}
void mc_SSL_CTX_release_buffers(SSL_CTX *context) { SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS); }
void mc_SSL_CTX_set_server_options(SSL_CTX *context) {
    SSL_CTX_clear_options(context, SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
}
int mc_SSL_CTX_set1_chain(SSL_CTX *context, STACK_OF(X509) *chain) { return (int)SSL_CTX_set1_chain(context, chain); }
