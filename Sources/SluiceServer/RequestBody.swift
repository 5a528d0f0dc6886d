import Hummingbird
import NIOCore
import NIOHTTP1
import SluiceJSON

/// Reads request bodies within the server's size limit (413 above it), and JSON bodies as the
/// API dialects take them: valid UTF-8 and JSON (400 otherwise), an object (422 otherwise).
struct BodyReader: Sendable {
    let maxBodyBytes: Int

    /// The whole body.
    func bytes(of request: Request) async throws(ServerError) -> ByteBuffer {
        let tooLarge = ServerError(.payloadTooLarge, "the request body is over \(maxBodyBytes) bytes")
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            throw tooLarge
        }
        do {
            return try await request.body.collect(upTo: maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        } catch let error as HTTPParserError {
            throw RequestBoundaryHandler.serverError(error)
        } catch is NIOTooManyBytesError {
            // A chunked body carries no length to check first: it is cut off at the limit.
            throw tooLarge
        } catch {
            throw ServerError(.badRequest, "the request body could not be read")
        }
    }

    /// The body as a JSON object, whatever its content type says (curl's `-d` sends form
    /// encoding by default).
    func object(of request: Request) async throws(ServerError) -> RequestFields {
        let body = try await bytes(of: request)
        let bytes = body.readableBytesView
        guard InferenceRequest.isValidUTF8(bytes) else {
            throw ServerError(.badRequest, "the request body is not valid UTF-8")
        }
        let document: JSONValue
        do { document = try JSONValue.parse(bytes) } catch {
            throw ServerError(.badRequest, "the request body is not valid JSON: \(error)")
        }
        guard case .object = document else {
            throw ServerError(.validation, "the JSON body must be an object")
        }
        return RequestFields(document)
    }
}

/// The fields of a JSON request object, read with validation errors that name the field. A
/// field that is absent or `null` is not set; unknown fields are ignored, as the dialects'
/// own servers ignore them.
struct RequestFields: Sendable {
    let object: JSONValue

    init(_ object: JSONValue) { self.object = object }

    subscript(key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    func bool(_ key: String) throws(ServerError) -> Bool? {
        guard let value = self[key] else { return nil }
        guard case .bool(let flag) = value else {
            throw ServerError(.validation, "\"\(key)\" must be true or false")
        }
        return flag
    }

    /// A boolean that may be absent but not `null` (TEI's fields with a default: `normalize`,
    /// `raw_scores`, `return_text`, `add_special_tokens`, `skip_special_tokens`).
    func flag(_ key: String) throws(ServerError) -> Bool? {
        guard let value = object[key] else { return nil }
        guard case .bool(let flag) = value else {
            throw ServerError(.validation, "\"\(key)\" must be true or false")
        }
        return flag
    }

    func int(_ key: String) throws(ServerError) -> Int? {
        guard let value = self[key] else { return nil }
        guard case .int(let number) = value else {
            throw ServerError(.validation, "\"\(key)\" must be an integer")
        }
        return number
    }

    /// The request's `priority`: lower is more urgent, 0 when absent (vLLM's field, which TEI's
    /// and OpenAI's routes take as an extension).
    func priority() throws(ServerError) -> Int { try int("priority") ?? 0 }

    func string(_ key: String) throws(ServerError) -> String? {
        guard let value = self[key] else { return nil }
        guard case .string(let text) = value else {
            throw ServerError(.validation, "\"\(key)\" must be a string")
        }
        return text
    }

    /// A field that must be there.
    func required(_ key: String) throws(ServerError) -> JSONValue {
        guard let value = self[key] else { throw ServerError(.validation, "the request has no \"\(key)\"") }
        return value
    }

    /// A list of strings that must be there.
    func strings(_ key: String) throws(ServerError) -> [String] {
        guard case .array(let items) = try required(key) else {
            throw ServerError(.validation, "\"\(key)\" must be a list of strings")
        }
        var texts: [String] = []
        for item in items {
            guard case .string(let text) = item else {
                throw ServerError(.validation, "\"\(key)\" must be a list of strings")
            }
            texts.append(text)
        }
        return texts
    }
}

extension JSONValue {
    /// A JSON answer with status 200.
    var response: Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: pythonJSONBytes)))
    }
}
