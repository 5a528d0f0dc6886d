// Written by scripts/openapi/make_openapi.py: edit that script, run it, commit both.

/// Sluice's OpenAPI document, served at `/openapi.json`.
let openAPIDocument = #"""
    {
     "openapi": "3.0.3",
     "info": {
      "title": "Sluice",
      "version": "0.1.0",
      "description": "An inference server for Hugging Face transformer pipelines: the Hugging Face Inference API, text-embeddings-inference's routes, OpenAI's embeddings and models, Cohere's rerank, and KServe's Open Inference Protocol v2 and v1, over the same tasks. A route the served model cannot answer says so in its dialect's error."
     },
     "paths": {
      "/": {
       "post": {
        "summary": "Run the served task (the recipe's raw text, or the Hugging Face Inference API)",
        "tags": [
         "Inference API"
        ],
        "responses": {
         "200": {
          "description": "the pipeline's answer (the Inference API's shape for JSON)",
          "content": {
           "application/json": {
            "schema": {}
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "504": {
          "description": "timed out in the queue",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "text/plain": {
           "schema": {
            "type": "string"
           }
          },
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/InferenceAPIRequest"
           }
          }
         }
        }
       }
      },
      "/health": {
       "get": {
        "summary": "Whether the model is loaded and the worker alive",
        "tags": [
         "Operations"
        ],
        "responses": {
         "200": {
          "description": "ready",
          "content": {
           "application/json": {
            "schema": {
             "type": "object",
             "properties": {
              "status": {
               "type": "string"
              }
             }
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         }
        }
       }
      },
      "/info": {
       "get": {
        "summary": "The model, its tasks and the server's limits (TEI's fields first)",
        "tags": [
         "Operations"
        ],
        "responses": {
         "200": {
          "description": "the model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/Info"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         }
        }
       }
      },
      "/metrics": {
       "get": {
        "summary": "Prometheus metrics",
        "tags": [
         "Operations"
        ],
        "responses": {
         "200": {
          "description": "Prometheus text",
          "content": {
           "text/plain": {
            "schema": {
             "type": "string"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         }
        }
       }
      },
      "/openapi.json": {
       "get": {
        "summary": "This document",
        "tags": [
         "Operations"
        ],
        "responses": {
         "200": {
          "description": "OpenAPI 3",
          "content": {
           "application/json": {
            "schema": {
             "type": "object"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         }
        }
       }
      },
      "/docs": {
       "get": {
        "summary": "This document as a page",
        "tags": [
         "Operations"
        ],
        "responses": {
         "200": {
          "description": "HTML",
          "content": {
           "text/html": {
            "schema": {
             "type": "string"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         }
        }
       }
      },
      "/embed": {
       "post": {
        "summary": "Pooled embeddings (TEI)",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "one vector per input",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "array",
              "items": {
               "type": "number"
              }
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/EmbedRequest"
           }
          }
         }
        }
       }
      },
      "/embed_all": {
       "post": {
        "summary": "Every token's vector (TEI)",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "per input, one vector per token",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "array",
              "items": {
               "type": "array",
               "items": {
                "type": "number"
               }
              }
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/TokenEmbedRequest"
           }
          }
         }
        }
       }
      },
      "/embed_sparse": {
       "post": {
        "summary": "SPLADE sparse embeddings (TEI)",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "per input, the non-zero weights",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "array",
              "items": {
               "$ref": "#/components/schemas/SparseValue"
              }
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/TokenEmbedRequest"
           }
          }
         }
        }
       }
      },
      "/predict": {
       "post": {
        "summary": "Every label's score (TEI)",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "a text's scores, or a batch's",
          "content": {
           "application/json": {
            "schema": {
             "oneOf": [
              {
               "type": "array",
               "items": {
                "$ref": "#/components/schemas/Prediction"
               }
              },
              {
               "type": "array",
               "items": {
                "type": "array",
                "items": {
                 "$ref": "#/components/schemas/Prediction"
                }
               }
              }
             ]
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/PredictRequest"
           }
          }
         }
        }
       }
      },
      "/rerank": {
       "post": {
        "summary": "Texts ranked against a query (TEI)",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "highest first",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "$ref": "#/components/schemas/Rank"
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/RerankRequest"
           }
          }
         }
        }
       }
      },
      "/similarity": {
       "post": {
        "summary": "Cosine similarities with a source sentence (TEI)",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "in input order",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "number"
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/SimilarityRequest"
           }
          }
         }
        }
       }
      },
      "/tokenize": {
       "post": {
        "summary": "Tokens with UTF-8 byte offsets (TEI)",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "per text",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "array",
              "items": {
               "$ref": "#/components/schemas/Token"
              }
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/TokenizeRequest"
           }
          }
         }
        }
       }
      },
      "/decode": {
       "post": {
        "summary": "Token ids back to text (TEI)",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "per list of ids",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "string"
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/DecodeRequest"
           }
          }
         }
        }
       }
      },
      "/v1/embeddings": {
       "post": {
        "summary": "Embeddings (OpenAI)",
        "tags": [
         "OpenAI"
        ],
        "responses": {
         "200": {
          "description": "unit-length embeddings",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIEmbeddingResponse"
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "504": {
          "description": "timed out in the queue",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/OpenAIEmbeddingRequest"
           }
          }
         }
        }
       }
      },
      "/v1/models": {
       "get": {
        "summary": "The served model (OpenAI)",
        "tags": [
         "OpenAI"
        ],
        "responses": {
         "200": {
          "description": "a list of one",
          "content": {
           "application/json": {
            "schema": {
             "type": "object",
             "required": [
              "object",
              "data"
             ],
             "properties": {
              "object": {
               "type": "string"
              },
              "data": {
               "type": "array",
               "items": {
                "$ref": "#/components/schemas/Model"
               }
              }
             }
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         }
        }
       }
      },
      "/v1/models/{name}": {
       "get": {
        "summary": "The model (OpenAI), and its readiness (KServe v1)",
        "tags": [
         "OpenAI"
        ],
        "responses": {
         "200": {
          "description": "the model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/Model"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/v1/rerank": {
       "post": {
        "summary": "Rerank (Cohere, Jina, vLLM)",
        "tags": [
         "OpenAI"
        ],
        "responses": {
         "200": {
          "description": "highest first",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/CohereRerankResponse"
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "504": {
          "description": "timed out in the queue",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/CohereRerankRequest"
           }
          }
         }
        }
       }
      },
      "/v2/rerank": {
       "post": {
        "summary": "Rerank (Cohere's v2 path)",
        "tags": [
         "OpenAI"
        ],
        "responses": {
         "200": {
          "description": "highest first",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/CohereRerankResponse"
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         },
         "504": {
          "description": "timed out in the queue",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/OpenAIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/CohereRerankRequest"
           }
          }
         }
        }
       }
      },
      "/v2": {
       "get": {
        "summary": "Server metadata (KServe v2)",
        "tags": [
         "KServe"
        ],
        "responses": {
         "200": {
          "description": "the server",
          "content": {
           "application/json": {
            "schema": {
             "type": "object",
             "required": [
              "name",
              "version",
              "extensions"
             ],
             "properties": {
              "name": {
               "type": "string"
              },
              "version": {
               "type": "string"
              },
              "extensions": {
               "type": "array",
               "items": {
                "type": "string"
               }
              }
             }
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         }
        }
       }
      },
      "/v2/health/live": {
       "get": {
        "summary": "Liveness (KServe v2)",
        "tags": [
         "KServe"
        ],
        "responses": {
         "200": {
          "description": "live",
          "content": {
           "application/json": {
            "schema": {
             "type": "object",
             "properties": {
              "live": {
               "type": "boolean"
              }
             }
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         }
        }
       }
      },
      "/v2/health/ready": {
       "get": {
        "summary": "Readiness (KServe v2)",
        "tags": [
         "KServe"
        ],
        "responses": {
         "200": {
          "description": "ready",
          "content": {
           "application/json": {
            "schema": {
             "type": "object",
             "properties": {
              "ready": {
               "type": "boolean"
              }
             }
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         }
        }
       }
      },
      "/v2/models": {
       "get": {
        "summary": "The served models (KServe)",
        "tags": [
         "KServe"
        ],
        "responses": {
         "200": {
          "description": "names",
          "content": {
           "application/json": {
            "schema": {
             "type": "object",
             "properties": {
              "models": {
               "type": "array",
               "items": {
                "type": "string"
               }
              }
             }
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         }
        }
       }
      },
      "/v2/models/{name}": {
       "get": {
        "summary": "Model metadata (KServe v2)",
        "tags": [
         "KServe"
        ],
        "responses": {
         "200": {
          "description": "its tensors",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/ModelMetadata"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/v2/models/{name}/ready": {
       "get": {
        "summary": "Model readiness (KServe v2)",
        "tags": [
         "KServe"
        ],
        "responses": {
         "200": {
          "description": "ready",
          "content": {
           "application/json": {
            "schema": {
             "type": "object",
             "properties": {
              "name": {
               "type": "string"
              },
              "ready": {
               "type": "boolean"
              }
             }
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/v2/models/{name}/infer": {
       "post": {
        "summary": "Inference (KServe v2; JSON, or the binary tensor extension)",
        "tags": [
         "KServe"
        ],
        "responses": {
         "200": {
          "description": "the output tensors",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/InferResponse"
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "504": {
          "description": "timed out in the queue",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/InferRequest"
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/v1/models/{name}:predict": {
       "post": {
        "summary": "Prediction (KServe v1)",
        "tags": [
         "KServe"
        ],
        "responses": {
         "200": {
          "description": "one prediction per instance",
          "content": {
           "application/json": {
            "schema": {
             "type": "object",
             "required": [
              "predictions"
             ],
             "properties": {
              "predictions": {
               "type": "array"
              }
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         },
         "504": {
          "description": "timed out in the queue",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/KServeError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "type": "object",
            "properties": {
             "instances": {
              "type": "array"
             },
             "inputs": {
              "type": "array"
             }
            }
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/models/{name}/embed": {
       "post": {
        "summary": "Pooled embeddings (TEI), of the model named in the path",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "one vector per input",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "array",
              "items": {
               "type": "number"
              }
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/EmbedRequest"
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/models/{name}/embed_all": {
       "post": {
        "summary": "Every token's vector (TEI), of the model named in the path",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "per input, one vector per token",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "array",
              "items": {
               "type": "array",
               "items": {
                "type": "number"
               }
              }
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/TokenEmbedRequest"
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/models/{name}/embed_sparse": {
       "post": {
        "summary": "SPLADE sparse embeddings (TEI), of the model named in the path",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "per input, the non-zero weights",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "array",
              "items": {
               "$ref": "#/components/schemas/SparseValue"
              }
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/TokenEmbedRequest"
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/models/{name}/predict": {
       "post": {
        "summary": "Every label's score (TEI), of the model named in the path",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "a text's scores, or a batch's",
          "content": {
           "application/json": {
            "schema": {
             "oneOf": [
              {
               "type": "array",
               "items": {
                "$ref": "#/components/schemas/Prediction"
               }
              },
              {
               "type": "array",
               "items": {
                "type": "array",
                "items": {
                 "$ref": "#/components/schemas/Prediction"
                }
               }
              }
             ]
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/PredictRequest"
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/models/{name}/rerank": {
       "post": {
        "summary": "Texts ranked against a query (TEI), of the model named in the path",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "highest first",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "$ref": "#/components/schemas/Rank"
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/RerankRequest"
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/models/{name}/similarity": {
       "post": {
        "summary": "Cosine similarities with a source sentence (TEI), of the model named in the path",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "in input order",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "number"
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "424": {
          "description": "the model cannot answer this route",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "429": {
          "description": "queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/SimilarityRequest"
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/models/{name}/tokenize": {
       "post": {
        "summary": "Tokens with UTF-8 byte offsets (TEI), of the model named in the path",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "per text",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "array",
              "items": {
               "$ref": "#/components/schemas/Token"
              }
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/TokenizeRequest"
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/models/{name}/decode": {
       "post": {
        "summary": "Token ids back to text (TEI), of the model named in the path",
        "tags": [
         "TEI"
        ],
        "responses": {
         "200": {
          "description": "per list of ids",
          "content": {
           "application/json": {
            "schema": {
             "type": "array",
             "items": {
              "type": "string"
             }
            }
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/TEIError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/DecodeRequest"
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/models/{name}": {
       "post": {
        "summary": "Run the named model's task",
        "tags": [
         "Inference API"
        ],
        "responses": {
         "200": {
          "description": "the pipeline's answer (the Inference API's shape for JSON)",
          "content": {
           "application/json": {
            "schema": {}
           }
          }
         },
         "400": {
          "description": "malformed request",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "413": {
          "description": "body or input list too large",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "422": {
          "description": "well-formed but unusable",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "504": {
          "description": "timed out in the queue",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         }
        },
        "requestBody": {
         "required": true,
         "content": {
          "text/plain": {
           "schema": {
            "type": "string"
           }
          },
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/InferenceAPIRequest"
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/models/{name}/info": {
       "get": {
        "summary": "The named model's /info",
        "tags": [
         "Operations"
        ],
        "responses": {
         "200": {
          "description": "the model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/Info"
            }
           }
          }
         },
         "401": {
          "description": "missing or wrong API key",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      },
      "/models/{name}/health": {
       "get": {
        "summary": "The named model's health",
        "tags": [
         "Operations"
        ],
        "responses": {
         "200": {
          "description": "ready",
          "content": {
           "application/json": {
            "schema": {
             "type": "object",
             "properties": {
              "status": {
               "type": "string"
              }
             }
            }
           }
          }
         },
         "503": {
          "description": "loading, draining, or queue full",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         },
         "404": {
          "description": "unknown route or model",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/NativeError"
            }
           }
          }
         }
        },
        "parameters": [
         {
          "name": "name",
          "in": "path",
          "required": true,
          "schema": {
           "type": "string"
          },
          "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"
         }
        ]
       }
      }
     },
     "components": {
      "schemas": {
       "NativeError": {
        "type": "object",
        "required": [
         "error",
         "error_type"
        ],
        "properties": {
         "error": {
          "type": "string"
         },
         "error_type": {
          "type": "string",
          "enum": [
           "bad_request",
           "unauthorized",
           "not_found",
           "method_not_allowed",
           "payload_too_large",
           "validation",
           "unsupported",
           "overloaded",
           "timeout",
           "client_closed_request",
           "internal"
          ]
         }
        }
       },
       "TEIError": {
        "type": "object",
        "required": [
         "error",
         "error_type"
        ],
        "properties": {
         "error": {
          "type": "string"
         },
         "error_type": {
          "type": "string",
          "enum": [
           "Unhealthy",
           "Backend",
           "Overloaded",
           "Validation",
           "Tokenizer",
           "Empty"
          ]
         }
        }
       },
       "OpenAIError": {
        "type": "object",
        "required": [
         "error"
        ],
        "properties": {
         "error": {
          "type": "object",
          "required": [
           "message",
           "type"
          ],
          "properties": {
           "message": {
            "type": "string"
           },
           "type": {
            "type": "string"
           },
           "param": {
            "type": "string",
            "nullable": true
           },
           "code": {
            "type": "string",
            "nullable": true
           }
          }
         },
         "message": {
          "type": "string"
         },
         "code": {
          "type": "integer"
         },
         "error_type": {
          "type": "string"
         }
        }
       },
       "KServeError": {
        "type": "object",
        "required": [
         "error"
        ],
        "properties": {
         "error": {
          "type": "string"
         }
        }
       },
       "InferenceAPIRequest": {
        "type": "object",
        "required": [
         "inputs"
        ],
        "properties": {
         "inputs": {
          "description": "a text, a task's object (`{text, text_pair}`, `{question, context}`, `{query, texts}`, `{source_sentence, sentences}`), or a list of them"
         },
         "parameters": {
          "type": "object",
          "nullable": true,
          "description": "the task's parameters"
         },
         "options": {
          "type": "object",
          "description": "accepted and ignored"
         },
         "normalize": {
          "type": "boolean"
         },
         "prompt_name": {
          "type": "string"
         },
         "truncate": {
          "type": "boolean",
          "nullable": true,
          "description": "cut inputs longer than the model (default true)"
         },
         "truncation_direction": {
          "type": "string",
          "enum": [
           "Left",
           "Right",
           "left",
           "right"
          ]
         }
        }
       },
       "Info": {
        "type": "object",
        "required": [
         "model_id",
         "model_type",
         "max_input_length",
         "max_client_batch_size",
         "task",
         "tasks",
         "version"
        ],
        "properties": {
         "model_id": {
          "type": "string"
         },
         "model_sha": {
          "type": "string",
          "nullable": true
         },
         "model_dtype": {
          "type": "string"
         },
         "served_model_name": {
          "type": "string"
         },
         "model_type": {
          "type": "object"
         },
         "max_concurrent_requests": {
          "type": "integer"
         },
         "max_input_length": {
          "type": "integer"
         },
         "max_batch_tokens": {
          "type": "integer"
         },
         "max_batch_requests": {
          "type": "integer"
         },
         "max_client_batch_size": {
          "type": "integer"
         },
         "auto_truncate": {
          "type": "boolean"
         },
         "tokenization_workers": {
          "type": "integer"
         },
         "version": {
          "type": "string"
         },
         "task": {
          "type": "string"
         },
         "tasks": {
          "type": "array",
          "items": {
           "type": "string"
          }
         },
         "architecture": {
          "type": "string",
          "nullable": true
         },
         "weights": {
          "type": "string"
         },
         "max_input_tokens": {
          "type": "integer"
         },
         "limits": {
          "type": "object"
         }
        }
       },
       "EmbedRequest": {
        "type": "object",
        "required": [
         "inputs"
        ],
        "properties": {
         "inputs": {
          "oneOf": [
           {
            "oneOf": [
             {
              "type": "string"
             },
             {
              "type": "array",
              "items": {
               "type": "integer",
               "minimum": 0
              }
             }
            ]
           },
           {
            "type": "array",
            "items": {
             "oneOf": [
              {
               "type": "string"
              },
              {
               "type": "array",
               "items": {
                "type": "integer",
                "minimum": 0
               }
              }
             ]
            }
           }
          ]
         },
         "normalize": {
          "type": "boolean"
         },
         "dimensions": {
          "type": "integer",
          "nullable": true
         },
         "prompt_name": {
          "type": "string",
          "nullable": true
         },
         "truncate": {
          "type": "boolean",
          "nullable": true,
          "description": "cut inputs longer than the model (default true)"
         },
         "truncation_direction": {
          "type": "string",
          "enum": [
           "Left",
           "Right",
           "left",
           "right"
          ]
         }
        }
       },
       "TokenEmbedRequest": {
        "type": "object",
        "required": [
         "inputs"
        ],
        "properties": {
         "inputs": {
          "oneOf": [
           {
            "oneOf": [
             {
              "type": "string"
             },
             {
              "type": "array",
              "items": {
               "type": "integer",
               "minimum": 0
              }
             }
            ]
           },
           {
            "type": "array",
            "items": {
             "oneOf": [
              {
               "type": "string"
              },
              {
               "type": "array",
               "items": {
                "type": "integer",
                "minimum": 0
               }
              }
             ]
            }
           }
          ]
         },
         "prompt_name": {
          "type": "string",
          "nullable": true
         },
         "truncate": {
          "type": "boolean",
          "nullable": true,
          "description": "cut inputs longer than the model (default true)"
         },
         "truncation_direction": {
          "type": "string",
          "enum": [
           "Left",
           "Right",
           "left",
           "right"
          ]
         }
        }
       },
       "PredictRequest": {
        "type": "object",
        "required": [
         "inputs"
        ],
        "properties": {
         "inputs": {
          "oneOf": [
           {
            "type": "string"
           },
           {
            "type": "array",
            "items": {
             "type": "string"
            },
            "minItems": 1,
            "maxItems": 2
           },
           {
            "type": "array",
            "items": {
             "type": "array",
             "items": {
              "type": "string"
             },
             "minItems": 1,
             "maxItems": 2
            }
           }
          ]
         },
         "raw_scores": {
          "type": "boolean"
         },
         "truncate": {
          "type": "boolean",
          "nullable": true,
          "description": "cut inputs longer than the model (default true)"
         },
         "truncation_direction": {
          "type": "string",
          "enum": [
           "Left",
           "Right",
           "left",
           "right"
          ]
         }
        }
       },
       "Prediction": {
        "type": "object",
        "required": [
         "score",
         "label"
        ],
        "properties": {
         "score": {
          "type": "number"
         },
         "label": {
          "type": "string"
         }
        }
       },
       "RerankRequest": {
        "type": "object",
        "required": [
         "query",
         "texts"
        ],
        "properties": {
         "query": {
          "type": "string"
         },
         "texts": {
          "type": "array",
          "items": {
           "type": "string"
          }
         },
         "raw_scores": {
          "type": "boolean"
         },
         "return_text": {
          "type": "boolean"
         },
         "truncate": {
          "type": "boolean",
          "nullable": true,
          "description": "cut inputs longer than the model (default true)"
         },
         "truncation_direction": {
          "type": "string",
          "enum": [
           "Left",
           "Right",
           "left",
           "right"
          ]
         }
        }
       },
       "Rank": {
        "type": "object",
        "required": [
         "index",
         "score"
        ],
        "properties": {
         "index": {
          "type": "integer"
         },
         "text": {
          "type": "string"
         },
         "score": {
          "type": "number"
         }
        }
       },
       "SimilarityRequest": {
        "type": "object",
        "required": [
         "inputs"
        ],
        "properties": {
         "inputs": {
          "type": "object",
          "required": [
           "source_sentence",
           "sentences"
          ],
          "properties": {
           "source_sentence": {
            "type": "string"
           },
           "sentences": {
            "type": "array",
            "items": {
             "type": "string"
            }
           }
          }
         },
         "parameters": {
          "type": "object",
          "nullable": true,
          "properties": {
           "prompt_name": {
            "type": "string",
            "nullable": true
           },
           "truncate": {
            "type": "boolean",
            "nullable": true,
            "description": "cut inputs longer than the model (default true)"
           },
           "truncation_direction": {
            "type": "string",
            "enum": [
             "Left",
             "Right",
             "left",
             "right"
            ]
           }
          }
         }
        }
       },
       "TokenizeRequest": {
        "type": "object",
        "required": [
         "inputs"
        ],
        "properties": {
         "inputs": {
          "oneOf": [
           {
            "type": "string"
           },
           {
            "type": "array",
            "items": {
             "type": "string"
            }
           }
          ]
         },
         "add_special_tokens": {
          "type": "boolean"
         },
         "prompt_name": {
          "type": "string",
          "nullable": true
         }
        }
       },
       "Token": {
        "type": "object",
        "required": [
         "id",
         "text",
         "special",
         "start",
         "stop"
        ],
        "properties": {
         "id": {
          "type": "integer"
         },
         "text": {
          "type": "string"
         },
         "special": {
          "type": "boolean"
         },
         "start": {
          "type": "integer",
          "nullable": true
         },
         "stop": {
          "type": "integer",
          "nullable": true
         }
        }
       },
       "DecodeRequest": {
        "type": "object",
        "required": [
         "ids"
        ],
        "properties": {
         "ids": {
          "oneOf": [
           {
            "type": "array",
            "items": {
             "type": "integer",
             "minimum": 0
            }
           },
           {
            "type": "array",
            "items": {
             "type": "array",
             "items": {
              "type": "integer",
              "minimum": 0
             }
            }
           }
          ]
         },
         "skip_special_tokens": {
          "type": "boolean"
         }
        }
       },
       "SparseValue": {
        "type": "object",
        "required": [
         "index",
         "value"
        ],
        "properties": {
         "index": {
          "type": "integer"
         },
         "value": {
          "type": "number"
         }
        }
       },
       "OpenAIEmbeddingRequest": {
        "type": "object",
        "required": [
         "input"
        ],
        "properties": {
         "input": {
          "oneOf": [
           {
            "oneOf": [
             {
              "type": "string"
             },
             {
              "type": "array",
              "items": {
               "type": "integer",
               "minimum": 0
              }
             }
            ]
           },
           {
            "type": "array",
            "items": {
             "oneOf": [
              {
               "type": "string"
              },
              {
               "type": "array",
               "items": {
                "type": "integer",
                "minimum": 0
               }
              }
             ]
            }
           }
          ]
         },
         "model": {
          "type": "string",
          "nullable": true
         },
         "encoding_format": {
          "type": "string",
          "enum": [
           "float",
           "base64"
          ]
         },
         "dimensions": {
          "type": "integer",
          "nullable": true
         },
         "user": {
          "type": "string",
          "nullable": true
         }
        }
       },
       "OpenAIEmbeddingResponse": {
        "type": "object",
        "required": [
         "object",
         "data",
         "model",
         "usage"
        ],
        "properties": {
         "object": {
          "type": "string",
          "enum": [
           "list"
          ]
         },
         "data": {
          "type": "array",
          "items": {
           "type": "object",
           "required": [
            "object",
            "embedding",
            "index"
           ],
           "properties": {
            "object": {
             "type": "string",
             "enum": [
              "embedding"
             ]
            },
            "embedding": {
             "oneOf": [
              {
               "type": "array",
               "items": {
                "type": "number"
               }
              },
              {
               "type": "string",
               "description": "base64 of little-endian float32"
              }
             ]
            },
            "index": {
             "type": "integer"
            }
           }
          }
         },
         "model": {
          "type": "string"
         },
         "usage": {
          "$ref": "#/components/schemas/Usage"
         }
        }
       },
       "Usage": {
        "type": "object",
        "required": [
         "prompt_tokens",
         "total_tokens"
        ],
        "properties": {
         "prompt_tokens": {
          "type": "integer"
         },
         "total_tokens": {
          "type": "integer"
         }
        }
       },
       "Model": {
        "type": "object",
        "required": [
         "id",
         "object",
         "created",
         "owned_by"
        ],
        "properties": {
         "id": {
          "type": "string"
         },
         "object": {
          "type": "string",
          "enum": [
           "model"
          ]
         },
         "created": {
          "type": "integer"
         },
         "owned_by": {
          "type": "string"
         },
         "name": {
          "type": "string"
         },
         "ready": {
          "type": "boolean"
         }
        }
       },
       "CohereRerankRequest": {
        "type": "object",
        "required": [
         "query",
         "documents"
        ],
        "properties": {
         "model": {
          "type": "string",
          "nullable": true
         },
         "query": {
          "type": "string"
         },
         "documents": {
          "type": "array",
          "items": {
           "oneOf": [
            {
             "type": "string"
            },
            {
             "type": "object",
             "required": [
              "text"
             ],
             "properties": {
              "text": {
               "type": "string"
              }
             }
            }
           ]
          }
         },
         "top_n": {
          "type": "integer",
          "nullable": true
         },
         "return_documents": {
          "type": "boolean",
          "nullable": true
         }
        }
       },
       "CohereRerankResponse": {
        "type": "object",
        "required": [
         "id",
         "model",
         "usage",
         "results"
        ],
        "properties": {
         "id": {
          "type": "string"
         },
         "model": {
          "type": "string"
         },
         "usage": {
          "$ref": "#/components/schemas/Usage"
         },
         "results": {
          "type": "array",
          "items": {
           "type": "object",
           "required": [
            "index",
            "relevance_score"
           ],
           "properties": {
            "index": {
             "type": "integer"
            },
            "relevance_score": {
             "type": "number"
            },
            "document": {
             "type": "object",
             "properties": {
              "text": {
               "type": "string"
              }
             }
            }
           }
          }
         }
        }
       },
       "Tensor": {
        "type": "object",
        "required": [
         "name",
         "datatype",
         "shape"
        ],
        "properties": {
         "name": {
          "type": "string"
         },
         "datatype": {
          "type": "string"
         },
         "shape": {
          "type": "array",
          "items": {
           "type": "integer"
          }
         },
         "parameters": {
          "type": "object"
         },
         "data": {
          "type": "array"
         }
        }
       },
       "InferRequest": {
        "type": "object",
        "required": [
         "inputs"
        ],
        "properties": {
         "id": {
          "type": "string"
         },
         "parameters": {
          "type": "object"
         },
         "inputs": {
          "type": "array",
          "items": {
           "$ref": "#/components/schemas/Tensor"
          }
         },
         "outputs": {
          "type": "array",
          "items": {
           "type": "object",
           "required": [
            "name"
           ],
           "properties": {
            "name": {
             "type": "string"
            },
            "parameters": {
             "type": "object"
            }
           }
          }
         }
        }
       },
       "InferResponse": {
        "type": "object",
        "required": [
         "model_name",
         "outputs"
        ],
        "properties": {
         "model_name": {
          "type": "string"
         },
         "model_version": {
          "type": "string"
         },
         "id": {
          "type": "string"
         },
         "outputs": {
          "type": "array",
          "items": {
           "$ref": "#/components/schemas/Tensor"
          }
         }
        }
       },
       "ModelMetadata": {
        "type": "object",
        "required": [
         "name",
         "platform",
         "inputs",
         "outputs"
        ],
        "properties": {
         "name": {
          "type": "string"
         },
         "versions": {
          "type": "array",
          "items": {
           "type": "string"
          }
         },
         "platform": {
          "type": "string"
         },
         "inputs": {
          "type": "array",
          "items": {
           "$ref": "#/components/schemas/Tensor"
          }
         },
         "outputs": {
          "type": "array",
          "items": {
           "$ref": "#/components/schemas/Tensor"
          }
         }
        }
       }
      }
     }
    }
    """#
