// The Sparkplug B protobuf schema as a protobufjs JSON descriptor, so that the compiled hub needs no .proto file
// at run time (scripts/copy-assets.js does not copy sparkplug/ assets).
//
// Provenance: generated with protobufjs 8 `loadSync(...).toJSON()` from ./sparkplug_b.proto, which is a verbatim copy of
// sparkplug_b.proto from the Eclipse Sparkplug 3.0.0 specification (/work/shared/spec/sparkplug-3.0/sparkplug_b.proto),
// Copyright (c) 2015-2021 Cirrus Link Solutions and others, made available under the Eclipse Public License 2.0
// (SPDX-License-Identifier: EPL-2.0). test/sparkplug/codec.test.ts checks that this descriptor still equals the
// specification schema. Do not edit by hand; regenerate from the .proto instead.

import type { INamespace } from 'protobufjs'

export const SPARKPLUG_B_PACKAGE = 'org.eclipse.tahu.protobuf'

const DESCRIPTOR = {
  nested: {
    org: {
      nested: {
        eclipse: {
          nested: {
            tahu: {
              nested: {
                protobuf: {
                  options: {
                    java_package: 'org.eclipse.tahu.protobuf',
                    java_outer_classname: 'SparkplugBProto'
                  },
                  nested: {
                    DataType: {
                      edition: 'proto2',
                      values: {
                        Unknown: 0,
                        Int8: 1,
                        Int16: 2,
                        Int32: 3,
                        Int64: 4,
                        UInt8: 5,
                        UInt16: 6,
                        UInt32: 7,
                        UInt64: 8,
                        Float: 9,
                        Double: 10,
                        Boolean: 11,
                        String: 12,
                        DateTime: 13,
                        Text: 14,
                        UUID: 15,
                        DataSet: 16,
                        Bytes: 17,
                        File: 18,
                        Template: 19,
                        PropertySet: 20,
                        PropertySetList: 21,
                        Int8Array: 22,
                        Int16Array: 23,
                        Int32Array: 24,
                        Int64Array: 25,
                        UInt8Array: 26,
                        UInt16Array: 27,
                        UInt32Array: 28,
                        UInt64Array: 29,
                        FloatArray: 30,
                        DoubleArray: 31,
                        BooleanArray: 32,
                        StringArray: 33,
                        DateTimeArray: 34
                      }
                    },
                    Payload: {
                      edition: 'proto2',
                      fields: {
                        timestamp: {
                          type: 'uint64',
                          id: 1
                        },
                        metrics: {
                          rule: 'repeated',
                          type: 'Metric',
                          id: 2
                        },
                        seq: {
                          type: 'uint64',
                          id: 3
                        },
                        uuid: {
                          type: 'string',
                          id: 4
                        },
                        body: {
                          type: 'bytes',
                          id: 5
                        }
                      },
                      extensions: [
                        [
                          6,
                          536870911
                        ]
                      ],
                      nested: {
                        Template: {
                          fields: {
                            version: {
                              type: 'string',
                              id: 1
                            },
                            metrics: {
                              rule: 'repeated',
                              type: 'Metric',
                              id: 2
                            },
                            parameters: {
                              rule: 'repeated',
                              type: 'Parameter',
                              id: 3
                            },
                            templateRef: {
                              type: 'string',
                              id: 4,
                              protoName: 'template_ref'
                            },
                            isDefinition: {
                              type: 'bool',
                              id: 5,
                              protoName: 'is_definition'
                            }
                          },
                          extensions: [
                            [
                              6,
                              536870911
                            ]
                          ],
                          nested: {
                            Parameter: {
                              oneofs: {
                                value: {
                                  oneof: [
                                    'intValue',
                                    'longValue',
                                    'floatValue',
                                    'doubleValue',
                                    'booleanValue',
                                    'stringValue',
                                    'extensionValue'
                                  ]
                                }
                              },
                              fields: {
                                name: {
                                  type: 'string',
                                  id: 1
                                },
                                type: {
                                  type: 'uint32',
                                  id: 2
                                },
                                intValue: {
                                  type: 'uint32',
                                  id: 3,
                                  protoName: 'int_value'
                                },
                                longValue: {
                                  type: 'uint64',
                                  id: 4,
                                  protoName: 'long_value'
                                },
                                floatValue: {
                                  type: 'float',
                                  id: 5,
                                  protoName: 'float_value'
                                },
                                doubleValue: {
                                  type: 'double',
                                  id: 6,
                                  protoName: 'double_value'
                                },
                                booleanValue: {
                                  type: 'bool',
                                  id: 7,
                                  protoName: 'boolean_value'
                                },
                                stringValue: {
                                  type: 'string',
                                  id: 8,
                                  protoName: 'string_value'
                                },
                                extensionValue: {
                                  type: 'ParameterValueExtension',
                                  id: 9,
                                  protoName: 'extension_value'
                                }
                              },
                              nested: {
                                ParameterValueExtension: {
                                  fields: {},
                                  extensions: [
                                    [
                                      1,
                                      536870911
                                    ]
                                  ]
                                }
                              }
                            }
                          }
                        },
                        DataSet: {
                          fields: {
                            numOfColumns: {
                              type: 'uint64',
                              id: 1,
                              protoName: 'num_of_columns'
                            },
                            columns: {
                              rule: 'repeated',
                              type: 'string',
                              id: 2
                            },
                            types: {
                              rule: 'repeated',
                              type: 'uint32',
                              id: 3
                            },
                            rows: {
                              rule: 'repeated',
                              type: 'Row',
                              id: 4
                            }
                          },
                          extensions: [
                            [
                              5,
                              536870911
                            ]
                          ],
                          nested: {
                            DataSetValue: {
                              oneofs: {
                                value: {
                                  oneof: [
                                    'intValue',
                                    'longValue',
                                    'floatValue',
                                    'doubleValue',
                                    'booleanValue',
                                    'stringValue',
                                    'extensionValue'
                                  ]
                                }
                              },
                              fields: {
                                intValue: {
                                  type: 'uint32',
                                  id: 1,
                                  protoName: 'int_value'
                                },
                                longValue: {
                                  type: 'uint64',
                                  id: 2,
                                  protoName: 'long_value'
                                },
                                floatValue: {
                                  type: 'float',
                                  id: 3,
                                  protoName: 'float_value'
                                },
                                doubleValue: {
                                  type: 'double',
                                  id: 4,
                                  protoName: 'double_value'
                                },
                                booleanValue: {
                                  type: 'bool',
                                  id: 5,
                                  protoName: 'boolean_value'
                                },
                                stringValue: {
                                  type: 'string',
                                  id: 6,
                                  protoName: 'string_value'
                                },
                                extensionValue: {
                                  type: 'DataSetValueExtension',
                                  id: 7,
                                  protoName: 'extension_value'
                                }
                              },
                              nested: {
                                DataSetValueExtension: {
                                  fields: {},
                                  extensions: [
                                    [
                                      1,
                                      536870911
                                    ]
                                  ]
                                }
                              }
                            },
                            Row: {
                              fields: {
                                elements: {
                                  rule: 'repeated',
                                  type: 'DataSetValue',
                                  id: 1
                                }
                              },
                              extensions: [
                                [
                                  2,
                                  536870911
                                ]
                              ]
                            }
                          }
                        },
                        PropertyValue: {
                          oneofs: {
                            value: {
                              oneof: [
                                'intValue',
                                'longValue',
                                'floatValue',
                                'doubleValue',
                                'booleanValue',
                                'stringValue',
                                'propertysetValue',
                                'propertysetsValue',
                                'extensionValue'
                              ]
                            }
                          },
                          fields: {
                            type: {
                              type: 'uint32',
                              id: 1
                            },
                            isNull: {
                              type: 'bool',
                              id: 2,
                              protoName: 'is_null'
                            },
                            intValue: {
                              type: 'uint32',
                              id: 3,
                              protoName: 'int_value'
                            },
                            longValue: {
                              type: 'uint64',
                              id: 4,
                              protoName: 'long_value'
                            },
                            floatValue: {
                              type: 'float',
                              id: 5,
                              protoName: 'float_value'
                            },
                            doubleValue: {
                              type: 'double',
                              id: 6,
                              protoName: 'double_value'
                            },
                            booleanValue: {
                              type: 'bool',
                              id: 7,
                              protoName: 'boolean_value'
                            },
                            stringValue: {
                              type: 'string',
                              id: 8,
                              protoName: 'string_value'
                            },
                            propertysetValue: {
                              type: 'PropertySet',
                              id: 9,
                              protoName: 'propertyset_value'
                            },
                            propertysetsValue: {
                              type: 'PropertySetList',
                              id: 10,
                              protoName: 'propertysets_value'
                            },
                            extensionValue: {
                              type: 'PropertyValueExtension',
                              id: 11,
                              protoName: 'extension_value'
                            }
                          },
                          nested: {
                            PropertyValueExtension: {
                              fields: {},
                              extensions: [
                                [
                                  1,
                                  536870911
                                ]
                              ]
                            }
                          }
                        },
                        PropertySet: {
                          fields: {
                            keys: {
                              rule: 'repeated',
                              type: 'string',
                              id: 1
                            },
                            values: {
                              rule: 'repeated',
                              type: 'PropertyValue',
                              id: 2
                            }
                          },
                          extensions: [
                            [
                              3,
                              536870911
                            ]
                          ]
                        },
                        PropertySetList: {
                          fields: {
                            propertyset: {
                              rule: 'repeated',
                              type: 'PropertySet',
                              id: 1
                            }
                          },
                          extensions: [
                            [
                              2,
                              536870911
                            ]
                          ]
                        },
                        MetaData: {
                          fields: {
                            isMultiPart: {
                              type: 'bool',
                              id: 1,
                              protoName: 'is_multi_part'
                            },
                            contentType: {
                              type: 'string',
                              id: 2,
                              protoName: 'content_type'
                            },
                            size: {
                              type: 'uint64',
                              id: 3
                            },
                            seq: {
                              type: 'uint64',
                              id: 4
                            },
                            fileName: {
                              type: 'string',
                              id: 5,
                              protoName: 'file_name'
                            },
                            fileType: {
                              type: 'string',
                              id: 6,
                              protoName: 'file_type'
                            },
                            md5: {
                              type: 'string',
                              id: 7
                            },
                            description: {
                              type: 'string',
                              id: 8
                            }
                          },
                          extensions: [
                            [
                              9,
                              536870911
                            ]
                          ]
                        },
                        Metric: {
                          oneofs: {
                            value: {
                              oneof: [
                                'intValue',
                                'longValue',
                                'floatValue',
                                'doubleValue',
                                'booleanValue',
                                'stringValue',
                                'bytesValue',
                                'datasetValue',
                                'templateValue',
                                'extensionValue'
                              ]
                            }
                          },
                          fields: {
                            name: {
                              type: 'string',
                              id: 1
                            },
                            alias: {
                              type: 'uint64',
                              id: 2
                            },
                            timestamp: {
                              type: 'uint64',
                              id: 3
                            },
                            datatype: {
                              type: 'uint32',
                              id: 4
                            },
                            isHistorical: {
                              type: 'bool',
                              id: 5,
                              protoName: 'is_historical'
                            },
                            isTransient: {
                              type: 'bool',
                              id: 6,
                              protoName: 'is_transient'
                            },
                            isNull: {
                              type: 'bool',
                              id: 7,
                              protoName: 'is_null'
                            },
                            metadata: {
                              type: 'MetaData',
                              id: 8
                            },
                            properties: {
                              type: 'PropertySet',
                              id: 9
                            },
                            intValue: {
                              type: 'uint32',
                              id: 10,
                              protoName: 'int_value'
                            },
                            longValue: {
                              type: 'uint64',
                              id: 11,
                              protoName: 'long_value'
                            },
                            floatValue: {
                              type: 'float',
                              id: 12,
                              protoName: 'float_value'
                            },
                            doubleValue: {
                              type: 'double',
                              id: 13,
                              protoName: 'double_value'
                            },
                            booleanValue: {
                              type: 'bool',
                              id: 14,
                              protoName: 'boolean_value'
                            },
                            stringValue: {
                              type: 'string',
                              id: 15,
                              protoName: 'string_value'
                            },
                            bytesValue: {
                              type: 'bytes',
                              id: 16,
                              protoName: 'bytes_value'
                            },
                            datasetValue: {
                              type: 'DataSet',
                              id: 17,
                              protoName: 'dataset_value'
                            },
                            templateValue: {
                              type: 'Template',
                              id: 18,
                              protoName: 'template_value'
                            },
                            extensionValue: {
                              type: 'MetricValueExtension',
                              id: 19,
                              protoName: 'extension_value'
                            }
                          },
                          nested: {
                            MetricValueExtension: {
                              fields: {},
                              extensions: [
                                [
                                  1,
                                  536870911
                                ]
                              ]
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

/** The descriptor for protobuf.Root.fromJSON (it carries protobufjs 8 `protoName` keys that INamespace does not declare). */
export const SPARKPLUG_B_DESCRIPTOR: INamespace = DESCRIPTOR as INamespace
