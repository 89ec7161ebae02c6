/**
 * The environment contract: {@link org.mesalab.core.Env} and {@link org.mesalab.core.VectorEnv}, what an env is
 * before any level exists ({@link org.mesalab.core.EnvType}), named splits of its levels ({@link org.mesalab.core.Distribution}),
 * parameters declared once ({@link org.mesalab.core.Param}, {@link org.mesalab.core.Params}, {@link org.mesalab.core.Settings}),
 * events, objectives, policies, the seeded random generator and the usage error. No ML dependency.
 */
package org.mesalab.core;
