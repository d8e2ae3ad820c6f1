// The digit scenes as a task of the training session (src/train/session.ts): their data and
// teacher from the site, and the detection race. The worker hands it to the session (this
// folder sits above src/train/, which never imports it).
import type * as tf from '@tensorflow/tfjs';
import type { TaskProvider } from '../train/session-data';
import { DetectionRace } from './race';
import { loadScenes, type SceneDataset } from './scenes-file';
import { loadDetectionTeacher } from './teacher';

/** Where the site keeps the digit scenes. */
export const SCENES_DIRECTORY = 'data/scenes/';

export const scenesTask: TaskProvider<SceneDataset> = {
  task: 'detection',
  async load(siteUrl, fetchFn, needsTeacher) {
    const scenes = await loadScenes(`${siteUrl}${SCENES_DIRECTORY}`, fetchFn);
    // A cell's classes: the digits, then background (the charts of the probe cells name all K + 1).
    const dataset = { ...scenes, classNames: [...scenes.classNames, 'background'] };
    if (!needsTeacher) return { dataset, teacher: null, teacherTestAccuracy: null };
    const { model, metadata } = await loadDetectionTeacher(siteUrl, fetchFn, dataset);
    return { dataset, teacher: model as tf.LayersModel, teacherTestAccuracy: metadata.testStats[0] };
  },
  build: (config, runs, dataset, teacher) => new DetectionRace(config, runs, dataset, teacher),
};
