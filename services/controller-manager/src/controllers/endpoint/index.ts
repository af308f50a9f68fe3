export { EndpointController, endpointController } from "./endpoint-controller.js";
