// Every workflow the worker runs. This file is the entry of the workflow bundle.
export { cartAbandonJourney } from './cart-abandon.ts';
