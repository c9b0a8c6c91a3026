// Named behaviour changes for journeys that may already be running. Each name is passed to patched()
// where the new behaviour starts; histories recorded before the change replay down the old path.
// Once no journey started before a change can still be running, its patch can be deprecated.

/** cart-abandon sends a second touch, which may carry a discount, when the first did not convert. */
export const CART_SECOND_TOUCH = 'cart-abandon-second-touch';

/** Waiting for a conversion also ends when the cart is emptied (v1 waited out the window). */
export const AWAIT_STOPS_ON_CART_EMPTIED = 'await-conversion-stops-on-cart-emptied';

/** A journey that ended with every step skipped closes its journeys row (v1 left it "running"). */
export const CLOSE_SKIPPED_JOURNEY = 'close-skipped-journey';

/** The kernel's database steps run as local activities (v1 scheduled each as a regular activity task). */
export const LOCAL_KERNEL_STEPS = 'local-kernel-steps';

/** cart-abandon shows the recommender's bought-together picks beside the cart (v1 showed the cart alone). */
export const CART_RELATED_ITEMS = 'cart-related-items';

/**
 * The lean kernel: search attributes are written once per wait instead of at every state change, and a
 * send instant less than a second away is not slept for (a timer costs a workflow task).
 * It implies every patch above: a journey started with it asks for no other (see JourneyKernel.lean).
 */
export const LEAN_KERNEL = 'lean-kernel';
