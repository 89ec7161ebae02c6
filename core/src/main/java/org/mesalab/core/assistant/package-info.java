/**
 * The essay's assistant: situations described by features, reward models under a kernel, and the hidden
 * true reward that scores them.
 */
package org.mesalab.core.assistant;
