// A stand-in for training/train.py that keeps its contract (a model folder with code/, weights
// and metrics.json, the metrics printed) in milliseconds, for tests about what is around training.
export const FAKE_TRAIN = `
import json, os
model = os.environ["SM_MODEL_DIR"]
os.makedirs(os.path.join(model, "code"), exist_ok=True)
open(os.path.join(model, "model.pth"), "wb").write(b"weights")
json.dump({"test_accuracy": 0.95}, open(os.path.join(model, "metrics.json"), "w"))
print("test_loss=0.1000 test_accuracy=0.9500")
`;
