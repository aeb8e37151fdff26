/* an excerpt of atomvm-wasi's platform_nifs.c, for CompatibilityCheckerTest */
static const struct NifEntry platform_nifs[] = {
    { "atomvm:platform/0", &atomvm_platform_nif },
    { "elixir_workers_host:read_request/0", &host_read_request_nif },
};
