/**
 * Statistics across training runs following rliable: IQM, stratified bootstrap intervals, probability
 * of improvement.
 */
package org.mesalab.core.stats;
