/**
 * What tests of this project share: a scriptable fake OpenAI-compatible LLM ({@link
 * io.remotellm.testsupport.FakeLlm}), also runnable as a process ({@link
 * io.remotellm.testsupport.FakeLlmMain}) for system tests and benchmarks.
 */
package io.remotellm.testsupport;
