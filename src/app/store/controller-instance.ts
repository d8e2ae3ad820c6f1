import { Controller } from './controller';

/** The page's one controller (one worker per page). */
export const controller = new Controller();
