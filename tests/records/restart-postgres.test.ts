import { describeRecordsSurviveTheProcess, MODES } from './restart-suite.ts';

describeRecordsSurviveTheProcess(MODES.postgres);
