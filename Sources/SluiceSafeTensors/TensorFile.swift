import Foundation

/// One file of weights, looked up by tensor name: a safetensors file (`SafeTensorsFile`) or a
/// `torch.save` state dict (`TorchStateDict`, `pytorch_model.bin`), read the same way.
public protocol TensorFile: AnyObject, Sendable {
    /// The file.
    var url: URL { get }
    /// Its tensor names.
    var names: [String] { get }
    /// The shape of tensor `name`, or nil if the file has no such tensor.
    func shape(of name: String) -> [Int]?
    /// The values of tensor `name` as f32.
    func floats(_ name: String) throws -> FloatTensorData
}

extension SafeTensorsFile: TensorFile {
    /// The shape of tensor `name`, or nil if the file has no such tensor.
    public func shape(of name: String) -> [Int]? { info(name)?.shape }
}

/// Opens a weights file of either format: safetensors when its name ends in `.safetensors`,
/// else a `torch.save` zip (`pytorch_model.bin` and its shards).
public func openTensorFile(_ url: URL) throws -> any TensorFile {
    if url.pathExtension == "safetensors" { return try SafeTensorsFile(url: url) }
    return try TorchStateDict(url: url)
}
